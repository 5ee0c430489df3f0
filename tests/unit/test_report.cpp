// The sweep report from synthetic points: means, confidence intervals, profile ratios, failed points.
#include <catch2/catch.hpp>

#include "analysis/plots.hpp"
#include "analysis/report.hpp"

using namespace svasim;
using nlohmann::json;

namespace {
json point(const char* id, const char* profile, int n, double p50, const char* status = "ok") {
  json results = {{"counters", {{"unmaps", 10}, {"iotlb_invalidations", 10 * n}, {"invalidation_waits", 20}}},
                  {"latency", {{"unmap", {{"p50_ns", p50}, {"p99_ns", 2 * p50}}}}}};
  return {{"point", id}, {"sets", {{"profile", profile}, {"devices", n}}}, {"status", status}, {"results", results}};
}
}  // namespace

TEST_CASE("report: mean and 95 % confidence interval use Student's t", "[report]") {
  const auto [m1, h1] = mean_ci95({5});
  CHECK(m1 == 5);
  CHECK(h1 == 0);
  const auto [m, h] = mean_ci95({1, 2, 3});
  CHECK(m == Approx(2));
  CHECK(h == Approx(4.303 * 1.0 / std::sqrt(3.0)).epsilon(1e-6));
}

TEST_CASE("report: one row per grid point and ratios between profiles", "[report]") {
  const std::vector<json> points = {point("p0", "old", 4, 1000), point("p1", "old", 4, 1200),
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
  std::vector<json> points = {point("p0", "old", 4, 1000), point("p1", "new", 4, 250), point("p2", "old", 8, 2000),
                              point("p3", "new", 8, 0)};
  const auto plots = sweep_plots(points);
  REQUIRE(plots.size() >= 2);
  const Plot& p50 = plots.front();
  CHECK(p50.name == "unmap_p50");
  CHECK(p50.xlabel == "devices");
  CHECK(p50.logy);
  CHECK(p50.series.at("old") == std::vector<std::pair<double, double>>{{4, 1000}, {8, 2000}});
  CHECK(p50.series.at("new").size() == 1);  // the 0 ns point cannot sit on a log axis
  const std::string script = gnuplot_script(p50, "d.dat", "o.svg");
  CHECK_THAT(script, Catch::Contains("set terminal svg"));
  CHECK_THAT(script, Catch::Contains("set logscale y"));
  CHECK_THAT(script, Catch::Contains("set ylabel \"unmap latency p50 (ns)\""));
  CHECK_THAT(script, Catch::Contains("index 1"));
  const std::string html = html_report("t", sweep_report_markdown(points, "t"), {"<?xml?><svg>x</svg>"});
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Catch::Contains("<figure><svg>x</svg></figure>"));
  CHECK_THAT(html, Catch::Contains("<th>profile</th>"));
}
