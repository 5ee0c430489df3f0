// Inputs a hostile user tries (issue 11's corpus classes): each exits 2 with the file and JSON path, or
// runs within documented bounds; never a crash, a hang or a silent pass.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "run_svasim.hpp"

using namespace svasim::cli_test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

const std::string kSeed = source_path("scenarios/seed-4dev-1iommu.json");

json seed_doc() { return json::parse(read_file(kSeed)); }

fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

void check_bad_input(const RunResult& r, const std::string& where) {
  INFO(r.describe());
  CHECK(r.exit_code == 2);
  CHECK(r.term_signal == 0);
  CHECK_THAT(r.err, Contains(where));
}

}  // namespace

TEST_CASE("hardening: params nested 100,000 deep exit 2 instead of overflowing the stack", "[cli][hardening]") {
  TempDir tmp;
  std::string text = read_file(kSeed);
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"g\":";
  deep += "1" + std::string(100000, '}');
  text.replace(text.find('{'), 1, "{\"params\": " + deep + ",");
  const fs::path f = write(tmp.path(), "deep.json", text);
  check_bad_input(run_svasim({"validate", f.string()}, tmp.path()), "nested deeper than 64 levels");
}

TEST_CASE("hardening: out-of-range pages and seeds exit 2", "[cli][hardening]") {
  TempDir tmp;
  json dma = {{"process", "app"}, {"devices", "all"}, {"queue_depth", 1}};
  SECTION("offset_pages 2^52") {
    dma["pattern"] = {{"offset_pages", 1LL << 52}};
    json doc = seed_doc();
    doc["workload"]["dma"] = json::array({dma});
    const fs::path f = write(tmp.path(), "s.json", doc.dump());
    check_bad_input(run_svasim({"validate", f.string()}, tmp.path()), "/workload/dma/0/pattern/offset_pages");
  }
  SECTION("working set 2^52 + 1 pages") {
    dma["pattern"] = {{"working_set_pages", (1LL << 52) + 1}};
    json doc = seed_doc();
    doc["workload"]["dma"] = json::array({dma});
    const fs::path f = write(tmp.path(), "s.json", doc.dump());
    check_bad_input(run_svasim({"validate", f.string()}, tmp.path()), "/workload/dma/0/pattern/working_set_pages");
  }
  SECTION("start_page beyond the process memory") {
    check_bad_input(run_svasim({"validate", kSeed, "--set", "workload.unmaps.0.start_page=262144"}, tmp.path()),
                    "/workload/unmaps/0/start_page");
  }
  SECTION("--seed 2^64") {
    const RunResult r = run_svasim({"validate", kSeed, "--seed", "18446744073709551616"}, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--seed"));
    CHECK(run_svasim({"validate", kSeed, "--seed", "18446744073709551615"}, tmp.path()).exit_code == 0);
  }
}

TEST_CASE("hardening: --set with a huge array index or invalid UTF-8 is bad input (2), not a failed run (1)",
          "[cli][hardening]") {
  TempDir tmp;
  check_bad_input(run_svasim({"validate", kSeed, "--set", "processes.10000000000000000000000.name=x"}, tmp.path()),
                  "no element");
  check_bad_input(run_svasim({"validate", kSeed, "--set", "name=\xff\xfe"}, tmp.path()), "UTF-8");
}

TEST_CASE("hardening: a scenario file over the size limit is refused before it is read", "[cli][hardening]") {
  TempDir tmp;
  const fs::path f = tmp / "huge.json";
  {
    std::ofstream out(f);
    out << "{\"pad\": \"";
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 65; ++i) out << chunk;
    out << "\"}";
  }
  check_bad_input(run_svasim({"validate", f.string()}, tmp.path()), "at most 67108864");
}

TEST_CASE("hardening: malformed or crashing SimGrid flags exit 2 from run and validate, and leave no -o", "[cli][hardening]") {
  TempDir tmp;
  for (const std::string flag : {"--cfg=network/model:Bogus", "--cfg=nonsense", "--cfg=contexts/stack-size:-1",
                                 "--log=garbage", "--log=svasim_unmap.thres:loud", "--log=unknown_category.thres:debug"}) {
    INFO(flag);
    const RunResult v = run_svasim({"validate", kSeed, flag}, tmp.path());
    INFO(v.describe());
    CHECK(v.exit_code == 2);
    CHECK(v.term_signal == 0);
    CHECK_THAT(v.err, Contains(flag.substr(0, 5)));
    const fs::path out = tmp / "out";
    const RunResult r = run_svasim({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd", "-o", out.string(), flag}, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == 2);
    CHECK_FALSE(fs::exists(out));
  }
  // Good flags still pass.
  CHECK(run_svasim({"validate", kSeed, "--cfg=network/model:CM02", "--log=svasim_unmap.thres:warning"}, tmp.path()).exit_code == 0);
}

TEST_CASE("hardening: unbounded work from valid input is refused up front with its reason", "[cli][hardening]") {
  TempDir tmp;
  SECTION("64 x 1024 devices") {
    const RunResult r = run_svasim({"validate", kSeed, "--set",
                                    R"(topology={"generate": {"iommus": 64, "devices_per_iommu": 1024, "cpu_cores": 4}})"}, tmp.path());
    check_bad_input(r, "/topology");
    CHECK_THAT(r.err, Contains("GiB"));
  }
  SECTION("churn of 10^6 per ms over 10^9 us") {
    json doc = seed_doc();
    doc["duration_us"] = 1e9;
    doc["processes"][0]["churn"] = {{"rate_per_ms", 1e6}, {"hold_us", 1}};
    const fs::path f = write(tmp.path(), "churn.json", doc.dump());
    check_bad_input(run_svasim({"validate", f.string()}, tmp.path()), "/processes/0/churn/rate_per_ms");
  }
  SECTION("30,000 processes load in linear time") {
    json doc = seed_doc();
    const json proto = doc["processes"][0];
    doc["processes"] = json::array();
    for (int i = 0; i < 30000; ++i) {
      json p = proto;
      p["name"] = "p" + std::to_string(i);
      doc["processes"].push_back(p);
    }
    doc["processes"].push_back(doc["processes"][7]);  // one duplicate name at the end
    const fs::path f = write(tmp.path(), "many.json", doc.dump());
    check_bad_input(run_svasim({"validate", f.string()}, tmp.path()), "/processes/30000/name");
  }
}

TEST_CASE("hardening: validate states the estimated cost and warns about a large run it still accepts", "[cli][hardening]") {
  TempDir tmp;
  const RunResult small = run_svasim({"validate", kSeed}, tmp.path());
  INFO(small.describe());
  CHECK(small.exit_code == 0);
  CHECK_THAT(small.out, Contains("estimate: about") && Contains("200 unmaps"));
  CHECK(small.err.empty());
  // 10^6 ms of two Poisson streams at 10 per ms: 2 * 10^7 unmaps, with 10^5 DMA requests per ms.
  const RunResult big = run_svasim({"validate", kSeed, "--set", "duration_us=1e9", "--set",
                                    R"(workload.dma=[{"process": "app", "devices": "all", "rate_per_us": 25}])"},
                                   tmp.path());
  INFO(big.describe());
  CHECK(big.exit_code == 0);
  CHECK_THAT(big.err, Contains("warning") && Contains("100.0 G DMA requests") && Contains("20.0 M unmaps"));
}

TEST_CASE("hardening: SIGTERM to run --profile a,b leaves no temporary directory and no child", "[cli][hardening]") {
  TempDir tmp;
  const pid_t pid = start_svasim({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd", "--set", "duration_us=200000"},
                                 tmp / "err");
  const fs::path scratch = fs::temp_directory_path() / ("svasim-run-" + std::to_string(pid));
  wait_until([&] { return fs::exists(scratch); }, std::chrono::seconds(5));
  REQUIRE(fs::exists(scratch));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the first child is running
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK_FALSE(fs::exists(scratch));
  CHECK(processes_mentioning(scratch.string()).empty());
}
