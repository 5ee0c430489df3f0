// `svasim sweep` end to end: grid runs, CSV/JSONL agree with the points, resume after an interrupted
// sweep runs every point exactly once, and a point over its time limit does not stop the others.
#include <catch2/catch.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "run_svasim.hpp"
#include "sweep_fixture.hpp"
#include "core/csv.hpp"

extern char** environ;

using namespace svasim::cli_test;
using nlohmann::json;


TEST_CASE("sweep runs every point and its CSV and JSONL agree with the point results", "[cli][sweep]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 500);
  const fs::path out = tmp / "out";
  const RunResult r = run_svasim({"sweep", spec.string(), "-o", out.string(), "-j", "2"}, tmp / "capture");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto csv = lines_of(out / "results.csv");
  const auto jsonl = lines_of(out / "results.jsonl");
  REQUIRE(csv.size() == 5);  // header + 4 points
  REQUIRE(jsonl.size() == 4);
  const auto header = cells(csv[0]);
  const auto p50_col = std::find(header.begin(), header.end(), "unmap_latency_p50_ns") - header.begin();
  const auto waits_col = std::find(header.begin(), header.end(), "invalidation_waits_per_unmap") - header.begin();
  for (std::size_t i = 1; i < csv.size(); ++i) {
    const auto row = cells(csv[i]);
    CHECK(row[3] == "ok");
    std::ifstream in(out / "points" / (row[0] + ".json"));
    const json point = json::parse(in);
    CHECK(std::stod(row[static_cast<std::size_t>(p50_col)]) == point["latency"]["unmap"]["p50_ns"].get<double>());
    const json line = json::parse(jsonl[i - 1]);
    CHECK(line["point"] == row[0]);
    CHECK(line["results"] == point);
    CHECK(std::stod(row[static_cast<std::size_t>(waits_col)]) ==
          Approx(point["counters"]["invalidation_waits"].get<double>() / point["counters"]["unmaps"].get<double>()));
  }
  // The same directory again without --resume is refused; with it nothing runs again.
  CHECK(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "capture2").exit_code == 2);
  const RunResult again = run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume"}, tmp / "capture3");
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.err, Catch::Contains("(4 already done)"));
}

TEST_CASE("sweep resumes after being killed and runs every point exactly once", "[cli][sweep]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 200000);  // points of a few tenths of a second
  const fs::path out = tmp / "out";
  const pid_t pid = start_svasim({"sweep", spec.string(), "-o", out.string(), "-j", "1"}, tmp / "first.err");
  // Kill the sweep once the first point is stored.
  wait_until([&] { return fs::exists(out / "points" / "p00000.json"); }, std::chrono::seconds(30));
  // Its running point dies with it: nothing is left writing into the directory.
  CHECK(kill_and_wait_for_leftovers(pid, out.string()).empty());
  std::size_t stored = 0;
  for (const auto& e : fs::directory_iterator(out / "points")) stored += e.path().extension() == ".json" ? 1 : 0;
  REQUIRE(stored >= 1);
  REQUIRE(stored < 4);

  const RunResult r = run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume"}, tmp / "capture");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("(" + std::to_string(stored) + " already done)"));
  const auto csv = lines_of(out / "results.csv");
  REQUIRE(csv.size() == 5);
  std::set<std::string> ids;
  for (std::size_t i = 1; i < csv.size(); ++i) {
    ids.insert(cells(csv[i])[0]);
    CHECK(cells(csv[i])[3] == "ok");
  }
  CHECK(ids.size() == 4);
}

TEST_CASE("a killed sweep leaves none of its points running", "[cli][sweep]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 1e7);  // points of several seconds
  const fs::path out = tmp / "out";
  const pid_t pid = start_svasim({"sweep", spec.string(), "-o", out.string(), "-j", "2"}, tmp / "err");
  // The sweep and its two running points.
  wait_until([&] { return processes_mentioning(out.string()).size() >= 3; }, std::chrono::seconds(5));
  REQUIRE(processes_mentioning(out.string()).size() == 3);
  const std::vector<int> left = kill_and_wait_for_leftovers(pid, out.string());
  CHECK(left.empty());
  for (int p : left) kill(p, SIGKILL);
}

TEST_CASE("sweep isolates a point that exceeds the time limit", "[cli][sweep]") {
  TempDir tmp;
  // One point simulates 1000 s of unmaps: far over the 2 s limit (scaled for sanitized builds, where the
  // short point alone can take seconds on a loaded machine).
  const fs::path spec = write_sweep(tmp.path(), 300, 2.0 * timeout_scale());
  std::ifstream in(spec);
  json j = json::parse(in);
  j["axes"] = json::array({{{"path", "duration_us"}, {"values", {300, 1e9}}}});
  std::ofstream(spec) << j.dump(2);
  const fs::path out = tmp / "out";
  const RunResult r = run_svasim({"sweep", spec.string(), "-o", out.string(), "-j", "2"}, tmp / "capture");
  INFO(r.describe());
  CHECK(r.exit_code == 1);
  const auto csv = lines_of(out / "results.csv");
  REQUIRE(csv.size() == 3);
  CHECK(cells(csv[1])[3] == "ok");
  CHECK(cells(csv[2])[3] == "timeout");
  CHECK_THAT(r.err, Catch::Contains("TIMEOUT"));
  CHECK(json::parse(read_file(out / "summary.json")) ==
        json({{"points", 2}, {"ok", 1}, {"failed", 0}, {"timeout", 1}, {"missing", 0}, {"exit_code", 1}}));
}

TEST_CASE("report turns a sweep into Markdown tables", "[cli][sweep][report]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "capture").exit_code == 0);
  const RunResult r = run_svasim({"report", out.string()}, tmp / "capture2");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("| profile | topology.generate.devices_per_iommu | n | unmap p50 (ns) |"));
  CHECK_THAT(r.out, Catch::Contains("Unmap p50 relative to linux-6.9-vtd"));
  CHECK(run_svasim({"report", (tmp / "nothing").string()}, tmp / "capture3").exit_code == 2);
}

TEST_CASE("compare shows two results files side by side", "[cli][compare]") {
  TempDir tmp;
  for (const char* p : {"linux-6.9-vtd", "linux-6.12-vtd"})
    REQUIRE(run_svasim({"run", source_path("scenarios/seed-4dev-1iommu.json"), "--set", "duration_us=500", "--profile", p,
                        "-o", (tmp / (std::string(p) + ".json")).string(), "-q"},
                       tmp / "capture")
                .exit_code == 0);
  const RunResult r = run_svasim({"compare", (tmp / "linux-6.9-vtd.json").string(), (tmp / "linux-6.12-vtd.json").string()},
                                 tmp / "capture2");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("iotlb_invalidations                       4.00                1.00           0.25x"));
  CHECK(run_svasim({"compare", source_path("README.md"), (tmp / "linux-6.9-vtd.json").string()}, tmp / "c3").exit_code == 2);
  // A field missing is refused with its JSON path, never read as 0.
  json edited = json::parse(read_file(tmp / "linux-6.12-vtd.json"));
  edited["counters"].erase("unmaps");
  std::ofstream(tmp / "edited.json") << edited.dump(2);
  const RunResult bad = run_svasim({"compare", (tmp / "linux-6.9-vtd.json").string(), (tmp / "edited.json").string()}, tmp / "c4");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains((tmp / "edited.json").string() + ": /counters/unmaps: missing"));
}

TEST_CASE("sweep CSV cells of metrics a run lacks are empty, not 0; the others are numbers at full precision", "[cli][sweep]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);  // bare metal, no DMA, no binds
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "capture").exit_code == 0);
  const svasim::CsvTable t = svasim::parse_csv(read_file(out / "results.csv"));
  REQUIRE(t.rows.size() == 4);
  // One column per name: no "profile" beside "run_profile".
  CHECK(std::set<std::string>(t.header.begin(), t.header.end()).size() == t.header.size());
  const std::set<std::string> lacking = {"vm_exits", "vm_exits_per_unmap", "vm_exit_vmm_wait_ns_per_unmap", "vcpu_steal_ns_per_unmap",
                                         "vm_halt_exits_per_unmap", "dma_completed", "dma_latency_p50_ns", "dma_latency_p99_ns",
                                         "page_faults", "bind_latency_p50_ns", "translation_latency_mean_ns"};
  const std::set<std::string> present = {"unmaps", "unmap_latency_p99_ns", "unmap_service_latency_p50_ns", "bind_latency_count",
                                         "iotlb_invalidations_per_unmap", "saturated", "unmaps_offered_per_ms", "queue_lock_wait_ns"};
  for (const auto& name : lacking) REQUIRE_NOTHROW(t.column(name));
  for (const auto& name : present) REQUIRE_NOTHROW(t.column(name));
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      INFO(t.header[c] << " = " << row[c]);
      if (lacking.count(t.header[c])) CHECK(row[c].empty());
      if (present.count(t.header[c])) CHECK_FALSE(row[c].empty());
      if (c > t.column("environment") && !row[c].empty()) {
        std::size_t used = 0;
        CHECK_NOTHROW(std::stod(row[c], &used));
        CHECK(used == row[c].size());
      }
    }
    // Full precision: the per-unmap figure reads back as the very double of the division.
    const double waits = std::stod(row[t.column("invalidation_waits")]), unmaps = std::stod(row[t.column("unmaps")]);
    CHECK(std::stod(row[t.column("invalidation_waits_per_unmap")]) == waits / unmaps);
  }
}

TEST_CASE("report --html writes a self-contained page with a titled SVG plot per metric", "[cli][sweep][report]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "capture").exit_code == 0);
  const fs::path html = tmp / "report.html";
  const RunResult r = run_svasim({"report", out.string(), "--html", html.string()}, tmp / "capture2");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const std::string page = read_file(html);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("</html>") != std::string::npos);
  std::size_t svgs = 0;
  for (auto at = page.find("<svg"); at != std::string::npos; at = page.find("<svg", at + 1)) ++svgs;
  CHECK(svgs == 5);  // unmap p50, unmap p99, IOTLB invalidations and waits per unmap, the distribution
  CHECK(std::count(page.begin(), page.end(), '<') > 100);
  for (const char* text : {"Unmap latency from when due, median", "unmap latency p50 (µs)", "devices per IOMMU",
                           "topology.generate.devices_per_iommu", "linux-6.12-vtd", "<table>", "distribution at the largest",
                           "scenario: sweep-base-1iommu"})
    CHECK(page.find(text) != std::string::npos);
  CHECK_FALSE(fs::exists(fs::path(html.string() + ".plots")));  // the work files are cleaned up
}

TEST_CASE("report --html never runs a shell: quotes, backquotes and $() in the path are just characters",
          "[cli][sweep][report][hardening]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "capture").exit_code == 0);
  // A name that closed the old '...' shell quoting, and gnuplot's own `command` substitution.
  for (const std::string name : {"x'; touch INJECTED; echo '.html", "it's `touch INJECTED2` $(touch INJECTED3).html"}) {
    INFO(name);
    const fs::path html = tmp / name;
    const RunResult r = run_svasim({"report", out.string(), "--html", html.string()}, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(read_file(html).find("<svg") != std::string::npos);
    CHECK_FALSE(fs::exists(fs::path(html.string() + ".plots")));
  }
  for (const char* f : {"INJECTED", "INJECTED2", "INJECTED3"}) {
    CHECK_FALSE(fs::exists(tmp / f));
    CHECK_FALSE(fs::exists(fs::current_path() / f));
  }
}

TEST_CASE("a second sweep into the same -o is refused while the first runs", "[cli][sweep][hardening]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 200000);  // long enough to still run when the second starts
  const fs::path out = tmp / "out";
  const pid_t first = start_svasim({"sweep", spec.string(), "-o", out.string(), "-j", "1"}, tmp / "first.err");
  wait_until([&] { return fs::exists(out / "sweep.json"); }, std::chrono::seconds(5));
  REQUIRE(fs::exists(out / "sweep.json"));
  const RunResult second = run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume"}, tmp / "capture");
  INFO(second.describe());
  CHECK(second.exit_code == 2);
  CHECK_THAT(second.err, Catch::Contains("another svasim sweep is writing"));
  CHECK(kill_and_wait_for_leftovers(first, out.string()).empty());
  // Once the first is gone its lock is too: the sweep resumes.
  CHECK(run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume", "-j", "2"}, tmp / "capture3",
                   std::chrono::seconds(120)).exit_code != 2);
}
