// A sweep's tables say what its results say: the long CSV read back with the project's reader equals
// the JSON results field by field (walked here from the JSON itself, not from the code that wrote the
// table), the histograms add up to the latency counts, and a saturated point is flagged everywhere a
// user looks, with latency from when each unmap was due.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/csv.hpp"
#include "run_svasim.hpp"
#include "sweep_fixture.hpp"

using namespace svasim::cli_test;
using nlohmann::json;

namespace {

// (point, metric, statistic) -> value, from a long table.
using LongValues = std::map<std::tuple<std::string, std::string, std::string>, double>;

LongValues long_values(const svasim::CsvTable& t) {
  LongValues v;
  const std::size_t point = t.column("point"), metric = t.column("metric"), stat = t.column("statistic"), value = t.column("value");
  for (const auto& row : t.rows) {
    const auto key = std::make_tuple(row[point], row[metric], row[stat]);
    REQUIRE(v.count(key) == 0);  // one row per point, metric and statistic
    v[key] = std::stod(row[value]);
  }
  return v;
}

// The long table's metric for a latency block key (json "latency" object): lock waits keep their name.
std::string latency_metric(const std::string& key) {
  return key.size() > 5 && key.compare(key.size() - 5, 5, "_wait") == 0 ? key : key + "_latency";
}

}  // namespace

TEST_CASE("sweep long CSV read back equals the JSON results; histograms add up", "[cli][sweep][tables]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 400);
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "capture").exit_code == 0);
  const svasim::CsvTable table = svasim::parse_csv(read_file(out / "results-long.csv"));
  const LongValues values = long_values(table);
  // The axes and the run's environment are key columns, each once.
  CHECK(std::set<std::string>(table.header.begin(), table.header.end()).size() == table.header.size());
  for (const char* c : {"point", "replication", "seed", "profile", "topology.generate.devices_per_iommu", "environment"})
    CHECK_NOTHROW(table.column(c));

  std::size_t compared = 0;
  for (const std::string& line : lines_of(out / "results.jsonl")) {
    const json l = json::parse(line);
    const std::string point = l["point"];
    const json& r = l["results"];
    const double unmaps = r["counters"]["unmaps"].get<double>();
    REQUIRE(unmaps > 0);
    auto find = [&](const std::string& metric, const std::string& stat) -> const double* {
      const auto it = values.find({point, metric, stat});
      return it == values.end() ? nullptr : &it->second;
    };
    // Every counter: its total, exactly; absent only for what a bare-metal run without DMA lacks.
    for (const auto& [name, v] : r["counters"].items()) {
      INFO(point << " counter " << name);
      const double* total = find(name, "total");
      const bool guest_or_dma = name.rfind("vm_", 0) == 0 || name == "vcpu_steal_ns" || name.rfind("submission_", 0) == 0 ||
                                name == "host_submissions" || r["per_device"].begin().value()["counters"].contains(name);
      if (!total) {
        CHECK(guest_or_dma);
        continue;
      }
      CHECK(*total == v.get<double>());
      if (const double* per = find(name, "per_unmap")) CHECK(*per == v.get<double>() / unmaps);
      ++compared;
    }
    CHECK(find("iotlb_invalidations", "per_unmap") != nullptr);
    // Every latency statistic of a non-empty histogram, exactly.
    for (const auto& [key, summary] : r["latency"].items())
      for (const auto& [stat, v] : summary.items()) {
        INFO(point << " latency " << key << " " << stat);
        const double* got = find(latency_metric(key), stat);
        if (summary["count"].get<std::uint64_t>() == 0 && stat != "count") {
          CHECK(got == nullptr);
          continue;
        }
        if (key.rfind("dma", 0) == 0 || key == "translation" || key == "page_fault") continue;  // no DMA here
        REQUIRE(got != nullptr);
        CHECK(*got == v.get<double>());
        ++compared;
      }
    CHECK(*find("unmaps_achieved_per_ms", "total") ==
          unmaps / (r["scenario"]["duration_ns"].get<double>() * 1e-6));
  }
  CHECK(compared > 4 * 60);

  // Histograms: the buckets of each point's unmap latency add up to its count, in increasing order.
  const svasim::CsvTable h = svasim::parse_csv(read_file(out / "histograms.csv"));
  std::map<std::string, std::uint64_t> unmap_counts;
  std::map<std::string, std::uint64_t> last_hi;
  for (const auto& row : h.rows) {
    if (row[h.column("metric")] != "unmap") continue;
    const std::string p = row[h.column("point")];
    const std::uint64_t lo = std::stoull(row[h.column("lo_ns")]), hi = std::stoull(row[h.column("hi_ns")]);
    CHECK(lo <= hi);
    if (last_hi.count(p)) CHECK(lo > last_hi[p]);
    last_hi[p] = hi;
    unmap_counts[p] += std::stoull(row[h.column("count")]);
  }
  for (const std::string& line : lines_of(out / "results.jsonl")) {
    const json l = json::parse(line);
    CHECK(unmap_counts[l["point"]] == l["results"]["latency"]["unmap"]["count"].get<std::uint64_t>());
  }

  // Per device in its own long table: every device of every point, its ATS invalidations exact.
  const svasim::CsvTable d = svasim::parse_csv(read_file(out / "devices-long.csv"));
  std::size_t device_rows = 0;
  for (const std::string& line : lines_of(out / "results.jsonl")) {
    const json l = json::parse(line);
    for (const auto& [name, dev] : l["results"]["per_device"].items()) {
      bool found = false;
      for (const auto& row : d.rows)
        if (row[d.column("point")] == l["point"] && row[d.column("device")] == name && row[d.column("metric")] == "ats_inv_requests") {
          CHECK(std::stod(row[d.column("value")]) == dev["ats_inv_requests"].get<double>());
          found = true;
          ++device_rows;
        }
      CHECK(found);
    }
  }
  CHECK(device_rows == 2 + 8 + 2 + 8);
}

TEST_CASE("a saturated sweep point is flagged in the table, the CSV and the report, and its latency shows the queueing",
          "[cli][sweep][tables]") {
  TempDir tmp;
  // 6.9 VT-d flushes every device one by one: 48 devices cannot keep up with 10 unmaps/ms per thread, 1 can.
  std::ifstream in(source_path("scenarios/sweep-base-1iommu.json"));
  json base = json::parse(in);
  base["profile"] = "linux-6.9-vtd";
  std::ofstream(tmp / "base.json") << base.dump(2);
  std::ofstream(tmp / "spec.json")
      << json{{"base", "base.json"}, {"axes", {{{"path", "topology.generate.devices_per_iommu"}, {"values", {1, 48}}}}}}.dump();
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", (tmp / "spec.json").string(), "-o", out.string()}, tmp / "capture").exit_code == 0);
  const svasim::CsvTable t = svasim::parse_csv(read_file(out / "results.csv"));
  REQUIRE(t.rows.size() == 2);
  auto cell = [&](std::size_t row, const char* col) { return std::stod(t.rows[row][t.column(col)]); };
  const std::size_t light = t.rows[0][t.column("topology.generate.devices_per_iommu")] == "1" ? 0 : 1, heavy = 1 - light;
  CHECK(cell(light, "saturated") == 0);
  CHECK(cell(heavy, "saturated") == 1);
  CHECK(cell(heavy, "unmaps_not_started") > 0);
  CHECK(cell(heavy, "unmaps_achieved_per_ms") < 0.5 * cell(heavy, "unmaps_offered_per_ms"));
  CHECK(cell(light, "unmaps_achieved_per_ms") == cell(light, "unmaps_offered_per_ms"));
  // The response time (from due) carries the queueing the service time does not.
  CHECK(cell(heavy, "unmap_latency_mean_ns") > 1.2 * cell(heavy, "unmap_service_latency_mean_ns"));
  CHECK(cell(light, "unmap_latency_mean_ns") >= cell(light, "unmap_service_latency_mean_ns"));
  CHECK(cell(heavy, "unmap_latency_p50_ns") >= cell(heavy, "unmap_service_latency_p50_ns"));

  const RunResult report = run_svasim({"report", out.string()}, tmp / "capture2");
  REQUIRE(report.exit_code == 0);
  CHECK_THAT(report.out, Catch::Contains("1 run(s) saturated"));
  CHECK_THAT(report.out, Catch::Contains("| 48 | 1 | ⚠ "));
  CHECK(report.out.find("| 1 | 1 | ⚠") == std::string::npos);

  // The run's own table says so, and a longer run of the saturated point waits longer (it does not converge).
  base["topology"]["generate"]["devices_per_iommu"] = 48;
  std::ofstream(tmp / "heavy.json") << base.dump(2);
  const RunResult run = run_svasim({"run", (tmp / "heavy.json").string(), "-o", (tmp / "short.json").string()}, tmp / "capture3");
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("SATURATED"));
  CHECK_THAT(run.out, Catch::Contains("never begun"));
  REQUIRE(run_svasim({"run", (tmp / "heavy.json").string(), "-q", "--set", "duration_us=6000", "-o", (tmp / "long.json").string()},
                     tmp / "capture4")
              .exit_code == 0);
  const json shorter = json::parse(read_file(tmp / "short.json")), longer = json::parse(read_file(tmp / "long.json"));
  CHECK(longer["latency"]["unmap"]["mean_ns"].get<double>() > 1.5 * shorter["latency"]["unmap"]["mean_ns"].get<double>());
}

TEST_CASE("compare refuses runs of different experiments unless forced, and heads each column with what differs",
          "[cli][compare]") {
  TempDir tmp;
  const std::string seed = source_path("scenarios/seed-4dev-1iommu.json");
  auto run = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {"run", seed, "-q", "--set", "duration_us=1000", "-o", (tmp / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    REQUIRE(run_svasim(args, tmp / ("c-" + name)).exit_code == 0);
    return (tmp / name).string();
  };
  const std::string a = run("a.json", {});
  const std::string profile = run("profile.json", {"--profile", "linux-6.12-vtd"});
  const std::string param = run("param.json", {"--set", "params.iommu.iotlb_inv_ns=900"});
  const std::string other_seed = run("seed.json", {"--set", "seed=2"});
  const std::string longer = run("longer.json", {"--set", "duration_us=1500"});
  const std::string workload = run("workload.json", {"--set", "workload.unmaps.0.pages=2"});

  const RunResult p = run_svasim({"compare", a, profile}, tmp / "c1");
  CHECK(p.exit_code == 0);
  CHECK_THAT(p.out, Catch::Contains("differs: profile linux-6.9-vtd vs linux-6.12-vtd"));
  CHECK_THAT(p.out, Catch::Contains("A: linux-6.9-vtd") && Catch::Contains("B: linux-6.12-vtd"));

  const RunResult q = run_svasim({"compare", a, param}, tmp / "c2");
  CHECK(q.exit_code == 0);
  CHECK_THAT(q.out, Catch::Contains("differs: iommu.iotlb_inv_ns"));
  CHECK_THAT(q.out, Catch::Contains("B: iommu.iotlb_inv_ns=900"));

  for (const auto& [file, what] : {std::pair{other_seed, "seed 1 vs 2"}, std::pair{longer, "duration_us 1000 vs 1500"},
                                   std::pair{workload, "workload or topology"}}) {
    const RunResult refused = run_svasim({"compare", a, file}, tmp / "c3");
    INFO(refused.describe());
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("different experiments") && Catch::Contains(what) && Catch::Contains("--force"));
    CHECK(refused.out.empty());
    const RunResult forced = run_svasim({"compare", a, file, "--force"}, tmp / "c4");
    CHECK(forced.exit_code == 0);
    CHECK_THAT(forced.err, Catch::Contains("warning: different experiments"));
    CHECK_THAT(forced.out, Catch::Contains("unmap latency p50"));
  }
}

TEST_CASE("a Poisson stream offers the same arrivals under every profile, the unbegun ones counted exactly",
          "[cli][tables]") {
  TempDir tmp;
  // 6.9 cannot keep up with 40 unmaps/ms of 4 devices' flushes; 6.12 can. The arrivals are the seed's either way.
  const RunResult r = run_svasim({"run", source_path("scenarios/seed-4dev-1iommu.json"), "-q", "--set", "duration_us=3000",
                                  "--set", "workload.unmaps.0.arrival={\"poisson_per_ms\": 40}", "--profile",
                                  "linux-6.9-vtd,linux-6.12-vtd", "-o", (tmp / "out").string()},
                                 tmp / "capture");
  REQUIRE(r.exit_code == 0);
  const json slow = json::parse(read_file(tmp / "out" / "linux-6.9-vtd.json"));
  const json fast = json::parse(read_file(tmp / "out" / "linux-6.12-vtd.json"));
  CHECK(slow["counters"]["unmaps_not_started"].get<int>() > 10 * std::max(1, fast["counters"]["unmaps_not_started"].get<int>()));
  CHECK(slow["counters"]["unmap_threads_behind"].get<int>() > 0);  // saturated
  CHECK(fast["counters"]["unmap_threads_behind"].get<int>() == 0);
  CHECK(slow["counters"]["unmaps_due"] == fast["counters"]["unmaps_due"]);
  CHECK(slow["counters"]["unmaps"].get<int>() + slow["counters"]["unmaps_not_started"].get<int>() ==
        slow["counters"]["unmaps_due"].get<int>());
}

TEST_CASE("report checks every place it writes before it writes anything, and tells runs of other experiments",
          "[cli][report]") {
  TempDir tmp;
  const std::string seed = source_path("scenarios/seed-4dev-1iommu.json");
  for (const char* name : {"a", "b", "c"}) {
    std::vector<std::string> args = {"run", seed, "-q", "--set", "duration_us=300", "-o", (tmp / "runs" / (std::string(name) + ".json")).string()};
    if (std::string(name) == "c") args.insert(args.end(), {"--set", "seed=7"});
    fs::create_directories(tmp / "runs");
    REQUIRE(run_svasim(args, tmp / ("c-" + std::string(name))).exit_code == 0);
  }
  const RunResult bad_md = run_svasim({"report", (tmp / "runs").string(), "--html", (tmp / "ok.html").string(), "-o",
                                       (tmp / "missing" / "r.md").string()},
                                      tmp / "c1");
  CHECK(bad_md.exit_code == 2);
  CHECK_THAT(bad_md.err, Catch::Contains("-o: ") && Catch::Contains("is not a directory"));
  CHECK_FALSE(fs::exists(tmp / "ok.html"));
  const RunResult bad_html = run_svasim({"report", (tmp / "runs").string(), "--html", (tmp / "runs" / "a.json" / "x.html").string()},
                                        tmp / "c2");
  CHECK(bad_html.exit_code == 2);
  CHECK_THAT(bad_html.err, Catch::Contains("--html: "));
  // Three runs, the third of another seed: the report says so before its comparison.
  const RunResult three = run_svasim({"report", (tmp / "runs").string()}, tmp / "c3");
  CHECK(three.exit_code == 0);
  CHECK_THAT(three.out, Catch::Contains("**Different experiments** (a vs c): seed 1 vs 7"));
  CHECK(three.out.find("(a vs b)") == std::string::npos);
  // A results file whose histogram arrays disagree is bad input, not a crash.
  json broken = json::parse(read_file(tmp / "runs" / "a.json"));
  broken["histograms"]["unmap"]["lo_ns"] = json::array();
  std::ofstream(tmp / "broken.json") << broken.dump();
  const RunResult b = run_svasim({"report", (tmp / "broken.json").string(), "--html", (tmp / "b.html").string()}, tmp / "c4");
  CHECK(b.exit_code == 2);
  CHECK_THAT(b.err, Catch::Contains("/histograms/unmap"));
  CHECK_FALSE(fs::exists(tmp / "b.html"));
}

TEST_CASE("a sweep refuses a seed axis instead of ignoring it", "[cli][sweep]") {
  TempDir tmp;
  std::ofstream(tmp / "spec.json") << json{{"base", source_path("scenarios/sweep-base-1iommu.json")},
                                           {"axes", {{{"path", "seed"}, {"values", {5, 6}}}}}}.dump();
  const RunResult r = run_svasim({"sweep", (tmp / "spec.json").string(), "-o", (tmp / "out").string()}, tmp / "capture");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/axes/0/path") && Catch::Contains("replications"));
  CHECK_FALSE(fs::exists(tmp / "out" / "results.csv"));
}
