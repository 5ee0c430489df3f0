// The sweep report from synthetic points: means, confidence intervals, profile ratios, failed points.
#include <catch2/catch.hpp>

#include <algorithm>

#include "analysis/labels.hpp"
#include "analysis/plots.hpp"
#include "analysis/report.hpp"
#include "analysis/run_diff.hpp"
#include "analysis/table.hpp"
#include "core/error.hpp"

using namespace svasim;
using nlohmann::json;

namespace {
RunResults run(int n, double p50) {
  RunResults r;
  r.scenario.environment = "bare-metal";
  r.counters.unmaps = 10;
  r.counters.queue.iotlb_invalidations = 10 * static_cast<std::uint64_t>(n);
  r.counters.queue.invalidation_waits = 20;
  r.latency.unmap.p50_ns = static_cast<std::uint64_t>(p50);
  r.latency.unmap.p99_ns = static_cast<std::uint64_t>(2 * p50);
  return r;
}

ReportPoint point(const char* id, const char* profile, int n, double p50, const char* status = "ok") {
  ReportPoint p{id, status, {{"profile", profile}, {"devices", n}}, std::nullopt};
  if (p.status == "ok") p.results = run(n, p50);
  return p;
}
}  // namespace

TEST_CASE("report: mean and 95 % confidence interval use Student's t", "[report]") {
  const auto [m1, h1] = mean_ci95({5});
  CHECK(m1 == 5);
  CHECK(h1 == 0);
  // Closed forms of the 97.5 % quantile: 1 degree of freedom (Cauchy) tan(0.475 pi); 2 degrees
  // (p = 0.975) (2p - 1) sqrt(2 / (4p(1 - p))).
  const auto [m2, h2] = mean_ci95({1, 3});
  CHECK(m2 == Approx(2));
  CHECK(h2 == Approx(std::tan(0.475 * M_PI) * std::sqrt(2.0) / std::sqrt(2.0)).epsilon(1e-9));
  const auto [m, h] = mean_ci95({1, 2, 3});
  CHECK(m == Approx(2));
  CHECK(h == Approx(0.95 * std::sqrt(2.0 / (4 * 0.975 * 0.025)) / std::sqrt(3.0)).epsilon(1e-9));
  // Many replications: the normal quantile, 1.959964, from below the t of 30 degrees (2.042).
  std::vector<double> many;
  for (int i = 0; i < 10001; ++i) many.push_back(i % 2);
  const double sd = std::sqrt(0.25 * 10001.0 / 10000.0);
  const double t = mean_ci95(many).second * std::sqrt(10001.0) / sd;
  CHECK(t > 1.959964);
  CHECK(t < 1.9603);
}

TEST_CASE("report: one row per grid point and ratios between profiles", "[report]") {
  const std::vector<ReportPoint> points = {point("p0", "old", 4, 1000), point("p1", "old", 4, 1200),
                                    point("p2", "new", 4, 250),  point("p3", "new", 4, 350),
                                    point("p4", "new", 8, 0, "timeout")};
  const std::string text = sweep_report_markdown(points, "t");
  CHECK_THAT(text, Catch::Contains("| 4 | old | 2 | 1100 ± 1271 |"));
  CHECK_THAT(text, Catch::Contains("| 4 | new | 2 | 300 ± 635 |"));
  CHECK_THAT(text, Catch::Contains("Unmap p50 relative to old"));
  CHECK_THAT(text, Catch::Contains("| 4 | 0.27x |"));
  CHECK_THAT(text, Catch::Contains("p4 (timeout)"));
}

TEST_CASE("report: plots follow the first numeric axis and skip what a log axis cannot show", "[report]") {
  std::vector<ReportPoint> points = {point("p0", "old", 4, 1000), point("p1", "new", 4, 250), point("p2", "old", 8, 2000),
                              point("p3", "new", 8, 0)};
  const auto plots = sweep_plots(points);
  REQUIRE(plots.size() >= 2);
  const Plot& p50 = plots.front();
  CHECK(p50.name == "unmap_p50");
  CHECK(p50.xlabel == "devices");
  CHECK(p50.logy);
  // In µs, in the order the points came (the spec's), not alphabetical.
  REQUIRE(p50.series.size() == 2);
  CHECK(p50.series[0].label == "old");
  REQUIRE(p50.find("old"));
  REQUIRE(p50.find("old")->points.size() == 2);
  CHECK(p50.find("old")->points[0].x == 4);
  CHECK(p50.find("old")->points[0].y == Approx(1.0));
  CHECK(p50.find("old")->points[1].y == Approx(2.0));
  CHECK(p50.find("new")->points.size() == 1);  // the 0 ns point cannot sit on a log axis
  const std::string script = gnuplot_script(p50, "d.dat", "o.svg");
  CHECK_THAT(script, Catch::Contains("set terminal svg"));
  CHECK_THAT(script, Catch::Contains("set logscale y"));
  CHECK_THAT(script, Catch::Contains("set ylabel 'unmap latency p50 (µs)'"));
  CHECK_THAT(script, Catch::Contains("index 1"));
  // Okabe-Ito colours and a marker of its own per series.
  CHECK_THAT(script, Catch::Contains("lc rgb '#0072B2' title 'old'"));
  CHECK_THAT(script, Catch::Contains("pt 5") && Catch::Contains("pt 7"));
  const std::string html =
      html_report(report_header(points, "t"), sweep_report_markdown(points, "t"), {"<?xml?><svg>x</svg>"});
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Catch::Contains("<figure><svg>x</svg></figure>"));
  CHECK_THAT(html, Catch::Contains("<th>profile</th>"));
  CHECK_THAT(html, Catch::Contains("scenario: ") && Catch::Contains("run(s)"));
  CHECK_THAT(html, Catch::Contains("id=\"svasim-check\""));
}

TEST_CASE("report: a metric the run lacks is \"-\", not 0", "[report]") {
  // A DMA run on bare metal beside an unmap-only run in a guest: both the DMA and the VM-exit columns
  // are shown, and each run leaves the other's empty.
  ReportPoint dma = point("p0", "a", 4, 1000);
  dma.results->counters.translation.dma_requests = 5;
  dma.results->latency.dma.p50_ns = 640;
  ReportPoint guest = point("p1", "b", 4, 2000);
  guest.results->scenario.environment = "guest-nested";
  guest.results->scenario.guest = true;
  guest.results->counters.queue.vm_exits = 30;
  const std::string text = sweep_report_markdown({dma, guest}, "t");
  CHECK_THAT(text, Catch::Contains("| VM exits/unmap | DMA p50 (ns) |"));
  CHECK_THAT(text, Catch::Contains("| 4 | a | 1 | 1000 | ~2000 | 0 | 1.00 | 4.00 | 2.00 | - | 640 |"));
  CHECK_THAT(text, Catch::Contains("| 4 | b | 1 | 2000 | ~4000 | 0 | 1.00 | 4.00 | 2.00 | 3.00 | - |"));
}

TEST_CASE("report: a results.jsonl line is read through the results type", "[report]") {
  RunResults r = run(4, 1000);
  r.scenario.queue_model = "vtd-qi";
  json line = {{"point", "p0"}, {"status", "ok"}, {"sets", {{"devices", 4}}}, {"results", r.to_json()}};
  const ReportPoint p = report_point(line, "f: line 1");
  REQUIRE(p.results);
  CHECK(p.results->counters.unmaps == 10);
  line["results"]["counters"].erase("invalidation_waits");
  try {
    report_point(line, "f: line 1");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(e.path() == "/results/counters/invalidation_waits");
    CHECK(std::string(e.what()) == "f: line 1: /results/counters/invalidation_waits: missing");
  }
  // A failed point has no results to read.
  const ReportPoint failed = report_point({{"point", "p1"}, {"status", "failed"}, {"sets", json::object()}, {"error", "x"}}, "f");
  CHECK_FALSE(failed.results);
  CHECK_THROWS_AS(report_point({{"point", "p1"}, {"sets", json::object()}}, "f"), InputError);
}

// Issue 13's DMA sweeps: the x axis is the spec's first numeric axis (not the alphabetically first), powers
// of two get a log2 axis, and a numeric series axis says its name in the legend.
TEST_CASE("report: plots take the x axis in spec order, log2 for powers of two, named series", "[report]") {
  std::vector<ReportPoint> points;
  for (int pages : {1, 16, 256})
    for (int qd : {1, 32}) {
      ReportPoint p{"p" + std::to_string(pages) + "-" + std::to_string(qd), "ok",
                    {{"workload.dma.0.pattern.working_set_pages", pages}, {"workload.dma.0.queue_depth", qd}}, std::nullopt};
      p.results = run(1, 1000);
      p.results->counters.translation.dma_requests = 10;
      p.results->counters.translation.dma_completed = 10;
      p.results->latency.dma.p50_ns = static_cast<std::uint64_t>(400 + pages);
      points.push_back(p);
    }
  const auto plots = sweep_plots(points, {"workload.dma.0.pattern.working_set_pages", "workload.dma.0.queue_depth"});
  const auto it = std::find_if(plots.begin(), plots.end(), [](const Plot& p) { return p.name == "dma_p50"; });
  REQUIRE(it != plots.end());
  CHECK(it->xlabel == "DMA working set (pages)");
  CHECK(it->logx);
  REQUIRE(it->find("DMA requests in flight per device 1"));
  CHECK(it->find("DMA requests in flight per device 32")->points.size() == 3);
  CHECK_THAT(gnuplot_script(*it, "d.dat", "o.svg"), Catch::Contains("set logscale x 2"));
  // The spec's order decides: with the queue depth first, it is the x axis.
  CHECK(sweep_plots(points, {"workload.dma.0.queue_depth", "workload.dma.0.pattern.working_set_pages"}).front().xlabel ==
        "DMA requests in flight per device");
}

TEST_CASE("report: plots carry the replications' confidence intervals, flag saturated points, end with a distribution",
          "[report]") {
  std::vector<ReportPoint> points;
  for (int devices : {1, 2, 4, 8})
    for (int rep = 0; rep < 3; ++rep) {
      ReportPoint p = point(("p" + std::to_string(devices) + std::to_string(rep)).c_str(), "k", devices, 1000.0 * devices + 100 * rep);
      p.results->counters.unmaps_due = 10;
      p.results->counters.unmap_threads = 1;
      if (devices == 8) {  // fell behind: 30 due, 10 begun
        p.results->counters.unmaps_due = 30;
        p.results->counters.unmaps_not_started = 20;
        p.results->counters.unmap_threads_behind = 1;
      }
      p.results->histograms["unmap"] = {{900, 1000 * static_cast<std::uint64_t>(devices)},
                                        {999, 1000 * static_cast<std::uint64_t>(devices) + 63}, {5, 5}};
      points.push_back(p);
    }
  const auto plots = sweep_plots(points, {"devices", "profile"});
  const Plot& p50 = plots.front();
  CHECK(p50.logx);  // 1..8, powers of two
  const PlotSeries& s = p50.series.at(0);
  REQUIRE(s.points.size() == 4);
  // Mean of 1000, 1100, 1200 ns = 1.1 µs; the 95 % CI half-width t(2) * sd / sqrt(3) = 4.303 * 100 / 1.732 ns.
  CHECK(s.points[0].y == Approx(1.1));
  CHECK(s.points[0].ci == Approx(mean_ci95({1000, 1100, 1200}).second / 1000));
  CHECK_FALSE(s.points[2].saturated);
  CHECK(s.points[3].saturated);
  const std::string script = gnuplot_script(p50, "d.dat", "o.svg");
  CHECK_THAT(script, Catch::Contains("using 1:2:3 with yerrorlines"));
  CHECK_THAT(script, Catch::Contains("title 'saturated"));
  CHECK_THAT(gnuplot_data(p50), Catch::Contains("# saturated\n8 8.1 0\n"));
  // The distribution at the largest x: one curve per series, cumulative, ending at 1.
  const Plot& cdf = plots.back();
  CHECK(cdf.name == "unmap_cdf");
  CHECK(cdf.cdf);
  REQUIRE(cdf.series.size() == 1);
  CHECK(cdf.series[0].label == "k (devices 8)");
  CHECK(cdf.series[0].points.back().y == Approx(1.0));
  CHECK(cdf.series[0].points.front().y == Approx(5.0 / 10));
  CHECK(cdf.series[0].points.front().x == Approx(0.999));  // µs: the upper bound of the lowest bucket
  CHECK(cdf.series[0].points.back().x == Approx(8.063));
  CHECK_THAT(gnuplot_script(cdf, "d.dat", "o.svg"), Catch::Contains("with steps") && Catch::Contains("set yrange [0:1]"));
}

TEST_CASE("report: single runs get the distributions of their latencies", "[report]") {
  RunResults a = run(4, 1000), b = run(4, 2000);
  a.histograms["unmap"] = {{1000}, {1063}, {10}};
  a.histograms["unmap_service"] = {{500}, {531}, {10}};
  b.histograms["unmap"] = {{2000}, {2127}, {10}};
  const auto plots = run_plots({{"a", &a}, {"b", &b}});
  REQUIRE(plots.size() == 1);  // no submission or DMA histograms here
  CHECK(plots[0].name == "unmap_cdf");
  REQUIRE(plots[0].series.size() == 3);
  CHECK(plots[0].series[0].label == "a from when due");
  CHECK(plots[0].series[1].label == "b from when due");
  CHECK(plots[0].series[2].label == "a service");
  CHECK(plots[0].xlabel == "latency (µs)");
}

TEST_CASE("report: an axis mixing numbers with other values names series; the x axis is numeric at every point",
          "[report]") {
  std::vector<ReportPoint> points;
  int i = 0;
  for (const json& pages : {json(1), json{{"uniform", {1, 8}}}})
    for (int devices : {1, 2, 4}) {
      ReportPoint p = point(("p" + std::to_string(i++)).c_str(), "k", devices, 1000.0 * devices);
      p.sets = {{"pages", pages}, {"devices", devices}};
      points.push_back(p);
    }
  std::vector<Plot> plots;
  REQUIRE_NOTHROW(plots = sweep_plots(points, {"pages", "devices"}));
  REQUIRE(!plots.empty());
  CHECK(plots.front().xlabel == axis_label("devices"));
  CHECK(plots.front().series.size() == 2);
}

TEST_CASE("report: the comparison marks quantiles resting on few samples, as the run table does", "[report]") {
  RunResults a = run(1, 1000), b = run(1, 2000);
  a.latency.unmap.count = b.latency.unmap.count = 212;  // p99: 2.12 samples above it
  const std::string text = format_comparison({a, b}, {"A", "B"});
  CHECK_THAT(text, Catch::Contains("~2000"));  // a's p99 (2 x p50)
  CHECK_THAT(text, Catch::Contains("~ fewer than ten samples above this quantile"));
  a.latency.unmap.count = b.latency.unmap.count = 100000;
  CHECK(format_comparison({a, b}, {"A", "B"}).find('~') == std::string::npos);
}

TEST_CASE("report: runs differing past six significant digits are told apart", "[report]") {
  RunResults a = run(1, 1000), b = run(1, 1000);
  a.scenario.duration_ns = 1234561000;
  b.scenario.duration_ns = 1234564000;
  const RunDifferences d = run_differences(a, b);
  REQUIRE(d.experiment.size() == 1);
  CHECK_THAT(d.experiment[0], Catch::Contains("1234561") && Catch::Contains("1234564"));
}
