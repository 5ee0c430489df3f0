// End to end: the svasim binary run as a user runs it. Every test starts svasim as a child process
// (tests/cli/run_svasim.hpp) and looks only at exit codes, stdout, stderr and the files it writes.
// Simulations here are short (--set duration_us=2000) so the whole suite stays fast.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "run_svasim.hpp"

using namespace svasim::cli_test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

constexpr int kBadInput = 2;

const std::string kSeed = source_path("scenarios/seed-4dev-1iommu.json");
const std::vector<std::string> kShort{"--set", "duration_us=2000"};

const std::vector<std::string> kProfiles{"linux-6.7-vtd",  "linux-6.9-vtd",     "linux-6.10-vtd",
                                         "linux-6.12-vtd", "linux-6.11-smmuv3", "linux-6.10-amd"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

json read_json(const fs::path& p) { return json::parse(read_file(p)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> w;
  std::istringstream in(line);
  for (std::string t; in >> t;) w.push_back(t);
  return w;
}

// An input error: exit code 2, nothing on stdout, exactly one line on stderr of the form
// "svasim: error: FILE: POINTER: message" holding `word`.
void check_input_error(const RunResult& r, const std::string& file, const std::string& pointer, const std::string& word) {
  INFO(r.describe());
  CHECK(r.exit_code == kBadInput);
  CHECK(r.term_signal == 0);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("svasim: error: "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Contains(file));
  CHECK_THAT(r.err, Contains("svasim: error: " + file + ": " + pointer + ": "));
  CHECK_THAT(r.err, Contains(word));
}

// A command-line option in error: exit code 2, nothing on stdout, one line "svasim: error: OPTION: message"
// that does not blame the scenario file.
void check_option_error(const RunResult& r, const std::string& option, const std::string& word) {
  INFO(r.describe());
  CHECK(r.exit_code == kBadInput);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, StartsWith("svasim: error: " + option + ": "));
  CHECK_THAT(r.err, Contains(word));
}

// ---------------------------------------------------------------------------------------------------
// One broken scenario per user mistake: {file in scenarios/broken (no .json), the JSON Pointer the
// error must name, a word the message must hold}. "(document)" is how svasim prints the root pointer.
// ---------------------------------------------------------------------------------------------------
struct Broken {
  const char* file;
  const char* pointer;
  const char* word;
};

// clang-format off
#define SVASIM_BROKEN_TABLE(X)                                                                              \
  X("typo-top-level-key",           "/duraton_us",                         "did you mean \"duration_us\"") \
  X("typo-link-key",                "/topology/links/2/latncy_ns",         "did you mean \"latency_ns\"")  \
  X("wrong-type-devices-per-iommu", "/topology/generate/devices_per_iommu", "integer")                    \
  X("unknown-profile",              "/profile",                            "unknown profile")             \
  X("duplicate-key",                "/seed",                               "given twice")                 \
  X("unknown-flush-model",          "/models/flush",                       "unknown flush model")         \
  X("unknown-param",                "/params/device/ats_inv_jiter_ns",     "unknown parameter")           \
  X("param-out-of-range",           "/params/vtd/qi_batch_size",           "[1, 254]")                    \
  X("dangling-link-endpoint",       "/topology/links/5/to",                "unknown node \"dsa4\"")       \
  X("duplicate-node-name",          "/topology/nodes/6/name",              "duplicate node name")         \
  X("topology-cycle",               "/topology/links/6",                   "cycle")                       \
  X("device-no-link",               "/topology/nodes/6",                   "reaches no IOMMU")            \
  X("device-on-cpu",                "/topology/nodes/6",                   "reaches no IOMMU")            \
  X("device-two-iommus",            "/topology/nodes/7",                   "more than one IOMMU")         \
  X("switch-two-iommus",            "/topology/nodes/3",                   "more than one IOMMU")         \
  X("unknown-bind-device",          "/processes/0/bind/1/device",          "unknown device \"dsa5\"")     \
  X("unknown-unmap-process",        "/workload/unmaps/1/process",          "unknown process \"ap\"")      \
  X("cpu-beyond-cores",             "/workload/unmaps/1/cpu",              "4 cores")                     \
  X("uniform-lo-above-hi",          "/workload/unmaps/0/pages/uniform",    "lo <= hi")                    \
  X("invalid-json-trailing-comma",  "(document)",                          "line 91")                     \
  X("missing-workload",             "(document)",                          "missing required key \"workload\"") \
  X("number-overflow",              "(document)",                          "1e400")                       \
  X("pri-without-ats",              "/topology/nodes/3/pri",               "PRI needs ATS")               \
  X("full-range-with-pages",        "/workload/unmaps/0/pages",            "full-range")                  \
  X("cache-geometry",               "/params/iommu/iotlb_entries",         "3-way")                       \
  X("pattern-key-wrong-kind",       "/workload/dma/0/pattern/zipf_s",      "does not apply")              \
  X("period-too-short",             "/workload/unmaps/0/arrival/periodic_us", ">= 0.001")                 \
  X("unknown-environment",          "/environment",                        "did you mean \"guest-nested\"") \
  X("unbind-before-bind",           "/processes/0/bind/0/unbind_at_us",    "before the bind")              \
  X("bad-descriptor-on-smmu",       "/topology",                           "needs a VT-d queue")          \
  X("smmu-queue-smaller-than-batch", "/params/smmu/cmdq_entries",          "its CMD_SYNC")                 \
  X("ring-too-small-for-drain",     "/params/vtd/qi_ring_entries",         "page-request drain")
// clang-format on

#define SVASIM_BROKEN_ENTRY(file, pointer, word) Broken{file, pointer, word},
constexpr Broken kBroken[] = {SVASIM_BROKEN_TABLE(SVASIM_BROKEN_ENTRY)};
#undef SVASIM_BROKEN_ENTRY

std::string broken_path(const std::string& name) { return source_path("scenarios/broken/" + name + ".json"); }

void check_broken(const Broken& b) {
  const std::string file = broken_path(b.file);
  REQUIRE(fs::exists(file));
  TempDir tmp;

  SECTION("validate") {
    const RunResult r = run_svasim({"validate", file}, tmp / "capture");
    check_input_error(r, file, b.pointer, b.word);
  }
  SECTION("run -o writes nothing") {
    const fs::path out_dir = tmp / "out";
    fs::create_directories(out_dir);
    const fs::path out = out_dir / "results.json";
    const RunResult r = run_svasim({"run", file, "-o", out.string()}, tmp / "capture");
    check_input_error(r, file, b.pointer, b.word);
    CHECK_FALSE(fs::exists(out));
    CHECK(fs::is_empty(out_dir));  // no results file, no temporary left behind
  }
}

}  // namespace

// One test case per broken scenario, so ctest names the mistake that is reported badly.
#define SVASIM_BROKEN_TEST(file, pointer, word)                                              \
  TEST_CASE("broken/" file ".json is rejected at " pointer, "[cli][broken]") {               \
    check_broken(Broken{file, pointer, word});                                               \
  }
SVASIM_BROKEN_TABLE(SVASIM_BROKEN_TEST)
#undef SVASIM_BROKEN_TEST

TEST_CASE("every scenario in scenarios/broken has an expectation in the table", "[cli][broken]") {
  std::set<std::string> in_table;
  for (const auto& b : kBroken) in_table.insert(b.file);
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(source_path("scenarios/broken")))
    if (e.path().extension() == ".json") on_disk.insert(e.path().stem().string());
  CHECK(on_disk == in_table);
}

TEST_CASE("run with several profiles and -o DIR creates nothing for a broken scenario", "[cli][broken]") {
  TempDir tmp;
  const fs::path dir = tmp / "results";
  const std::string file = broken_path("typo-link-key");
  const RunResult r =
      run_svasim({"run", file, "--profile", "linux-6.9-vtd,linux-6.12-vtd", "-o", dir.string()}, tmp / "capture");
  check_input_error(r, file, "/topology/links/2/latncy_ns", "latency_ns");
  CHECK_FALSE(fs::exists(dir));
}

// ---------------------------------------------------------------------------------------------------
// Shipped scenarios
// ---------------------------------------------------------------------------------------------------

TEST_CASE("every shipped scenario validates", "[cli]") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source_path("scenarios"))) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && e.path().extension() == ".json" && !name.ends_with(".schema.json"))
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);
  TempDir tmp;
  for (const auto& f : files) {
    const RunResult r = run_svasim({"validate", f.string()}, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, StartsWith(f.string() + ": ok: "));
  }
}

// ---------------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------------

TEST_CASE("run is deterministic for a seed and changes with --seed", "[cli][run]") {
  TempDir tmp;
  auto run_to = [&](const fs::path& out, std::vector<std::string> extra) {
    const RunResult r = run_svasim(concat(concat({"run", kSeed}, kShort), concat({"-o", out.string(), "--quiet"}, extra)),
                                   tmp / "capture");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());  // --quiet
    REQUIRE(fs::exists(out));
    return read_file(out);
  };
  const std::string a = run_to(tmp / "a.json", {});
  const std::string b = run_to(tmp / "b.json", {});
  const std::string c = run_to(tmp / "c.json", {"--seed", "2"});
  CHECK(a == b);
  CHECK(a != c);
  CHECK(json::parse(a)["provenance"]["seed"] == 1);
  CHECK(json::parse(c)["provenance"]["seed"] == 2);
  CHECK(json::parse(a)["counters"] != json::parse(c)["counters"]);
}

TEST_CASE("concurrent runs with churn are deterministic", "[cli][run][lifecycle]") {
  TempDir tmp;
  const std::string scenario = source_path("scenarios/multi-process-contention.json");
  auto run_to = [&](const fs::path& out) {
    const RunResult r = run_svasim({"run", scenario, "--set", "duration_us=1000", "-o", out.string(), "--quiet"}, tmp / "capture");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    return read_file(out);
  };
  const std::string a = run_to(tmp / "a.json");
  CHECK(a == run_to(tmp / "b.json"));
  const json r = json::parse(a);
  CHECK(r["counters"]["binds"].get<std::uint64_t>() > 0);
  CHECK(r["counters"]["flushes_of_freed_domains"] == 0);
  CHECK(r["latency"]["bind"]["count"].get<std::uint64_t>() == r["counters"]["binds"].get<std::uint64_t>());
}

TEST_CASE("a DMA run is deterministic and reports the translation path", "[cli][run][dma]") {
  TempDir tmp;
  const std::string scenario = source_path("scenarios/accelerator-4dsa.json");
  auto run_to = [&](const fs::path& out) {
    const RunResult r = run_svasim({"run", scenario, "--set", "duration_us=300", "-o", out.string(), "--quiet"}, tmp / "capture");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    REQUIRE(fs::exists(out));
    return read_file(out);
  };
  const std::string a = run_to(tmp / "a.json");
  CHECK(a == run_to(tmp / "b.json"));
  const json r = json::parse(a);
  for (const char* k : {"page_translations", "atc_hits", "atc_misses", "iotlb_hits", "iotlb_misses", "page_walks",
                        "walk_memory_reads", "page_faults", "dma_requests", "dma_completed", "stale_translation_uses"})
    CHECK(r["counters"].contains(k));
  CHECK(r["counters"]["dma_completed"].get<std::uint64_t>() > 0);
  CHECK(r["counters"]["stale_translation_uses"] == 0);
  for (const char* k : {"dma", "translation", "page_fault"}) CHECK(r["latency"].contains(k));
  CHECK(r["per_device"]["dev0"]["throughput_bytes_per_s"].get<double>() > 0);
}

namespace {

// The comparison table printed after runs under several profiles:
//   per unmap                        linux-6.9-vtd      linux-6.12-vtd  ratio to first
//   iotlb_invalidations                       4.00                1.00           0.25x
// Returns row name -> column (profile names, then "ratio") -> cell text.
std::map<std::string, std::map<std::string, std::string>> parse_comparison(const std::string& out,
                                                                           const std::vector<std::string>& profiles) {
  std::map<std::string, std::map<std::string, std::string>> rows;
  const auto lines = lines_of(out);
  auto header = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("per unmap "); });
  REQUIRE(header != lines.end());
  std::vector<std::string> expected_header{"per", "unmap"};
  expected_header.insert(expected_header.end(), profiles.begin(), profiles.end());
  for (const char* w : {"ratio", "to", "first"}) expected_header.push_back(w);
  REQUIRE(words_of(*header) == expected_header);
  for (auto it = header + 1; it != lines.end() && !words_of(*it).empty(); ++it) {
    const auto w = words_of(*it);
    REQUIRE(w.size() >= profiles.size() + 2);
    const std::size_t first_value = w.size() - profiles.size() - 1;
    std::string name;
    for (std::size_t i = 0; i < first_value; ++i) name += (i ? " " : "") + w[i];
    auto& row = rows[name];
    for (std::size_t p = 0; p < profiles.size(); ++p) row[profiles[p]] = w[first_value + p];
    row["ratio"] = w.back();
  }
  return rows;
}

}  // namespace

TEST_CASE("quick start compares linux-6.9-vtd with linux-6.12-vtd", "[cli][run]") {
  TempDir tmp;
  const std::vector<std::string> profiles{"linux-6.9-vtd", "linux-6.12-vtd"};
  const RunResult r = run_svasim(concat({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd"}, kShort), tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto rows = parse_comparison(r.out, profiles);
  REQUIRE(rows.count("iotlb_invalidations"));
  REQUIRE(rows.count("invalidation_waits"));
  CHECK(rows.at("iotlb_invalidations").at("linux-6.9-vtd") == "4.00");
  CHECK(rows.at("iotlb_invalidations").at("linux-6.12-vtd") == "1.00");
  CHECK(rows.at("iotlb_invalidations").at("ratio") == "0.25x");
  CHECK(rows.at("invalidation_waits").at("linux-6.9-vtd") == "8.00");
  CHECK(rows.at("invalidation_waits").at("linux-6.12-vtd") == "1.00");
  // Both profiles flush every device's TLB once per unmap.
  REQUIRE(rows.count("devtlb_invalidations"));
  CHECK(rows.at("devtlb_invalidations").at("linux-6.9-vtd") == "4.00");
  CHECK(rows.at("devtlb_invalidations").at("linux-6.12-vtd") == "4.00");
  CHECK(rows.count("unmap latency p99 (ns)") == 1);
}

TEST_CASE("run with several profiles and -o DIR writes one results file per profile", "[cli][run]") {
  TempDir tmp;
  const fs::path dir = tmp / "results";
  const RunResult r = run_svasim(
      concat({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd", "-o", dir.string(), "-q"}, kShort), tmp / "capture");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.empty());
  for (const std::string p : {"linux-6.9-vtd", "linux-6.12-vtd"}) {
    INFO(p);
    REQUIRE(fs::exists(dir / (p + ".json")));
    const json j = read_json(dir / (p + ".json"));
    CHECK(j["scenario"]["profile"] == p);
  }
  CHECK(read_json(dir / "linux-6.9-vtd.json")["scenario"]["flush_model"] == "vtd-per-device");
  CHECK(read_json(dir / "linux-6.12-vtd.json")["scenario"]["flush_model"] == "vtd-qi-batch");
}

TEST_CASE("results JSON has the documented shape", "[cli][run]") {
  TempDir tmp;
  const fs::path out = tmp / "results.json";
  const RunResult r = run_svasim(concat({"run", kSeed, "-o", out.string(), "-q"}, kShort), tmp / "capture");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const json j = read_json(out);
  INFO(j.dump(2).substr(0, 4000));

  CHECK(j.at("format") == "svasim-results");
  CHECK(j.at("format_version") == 9);

  const json& prov = j.at("provenance");
  CHECK(prov.at("svasim_version").is_string());
  CHECK_FALSE(prov.at("svasim_version").get<std::string>().empty());
  CHECK(prov.at("commit").is_string());
  CHECK_FALSE(prov.at("commit").get<std::string>().empty());
  CHECK_THAT(prov.at("scenario_hash").get<std::string>(), StartsWith("fnv1a64:"));
  CHECK(prov.at("seed") == 1);

  const json& c = j.at("counters");
  for (const char* k : {"unmaps", "iotlb_invalidations", "devtlb_invalidations", "invalidation_waits", "queue_lock_wait_ns"}) {
    INFO(k);
    REQUIRE(c.contains(k));
    CHECK(c.at(k).is_number());
    CHECK(c.at(k).get<double>() >= 0);
  }
  CHECK(c.at("unmaps").get<double>() > 0);

  const json& u = j.at("latency").at("unmap");
  for (const char* k : {"count", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"}) {
    INFO(k);
    REQUIRE(u.contains(k));
    CHECK(u.at(k).is_number());
  }
  CHECK(u.at("count") == c.at("unmaps"));
  CHECK(u.at("p50_ns").get<double>() <= u.at("p90_ns").get<double>());
  CHECK(u.at("p90_ns").get<double>() <= u.at("p99_ns").get<double>());
  CHECK(u.at("p99_ns").get<double>() <= u.at("p999_ns").get<double>());
  CHECK(u.at("p999_ns").get<double>() <= u.at("max_ns").get<double>());
  CHECK(u.at("mean_ns").get<double>() <= u.at("max_ns").get<double>());
  CHECK(u.at("mean_ns").get<double>() > 0);

  const json& per_iommu = j.at("per_iommu");
  REQUIRE(per_iommu.is_object());
  CHECK(per_iommu.size() == 1);
  CHECK(per_iommu.contains("dmar0"));
  double iotlb_sum = 0;
  for (const auto& [name, m] : per_iommu.items()) iotlb_sum += m.at("iotlb_invalidations").get<double>();
  CHECK(iotlb_sum == c.at("iotlb_invalidations").get<double>());

  const json& per_device = j.at("per_device");
  REQUIRE(per_device.is_object());
  CHECK(per_device.size() == 4);
  for (const char* d : {"dsa0", "dsa1", "dsa2", "dsa3"}) {
    INFO(d);
    REQUIRE(per_device.contains(d));
    CHECK(per_device.at(d).is_object());
  }
}

// ---------------------------------------------------------------------------------------------------
// --set and other options
// ---------------------------------------------------------------------------------------------------

TEST_CASE("run --set can replace the topology with a generated one of 2 IOMMUs", "[cli][set]") {
  TempDir tmp;
  const fs::path out = tmp / "results.json";
  const RunResult r = run_svasim(
      concat({"run", kSeed, "-o", out.string(), "-q", "--set",
              R"(topology={"generate": {"iommus": 2, "devices_per_iommu": 2, "cpu_cores": 4}})"},
             kShort),
      tmp / "capture");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const json j = read_json(out);
  CHECK(j.at("per_iommu").size() == 2);
  CHECK(j.at("per_iommu").contains("dmar0"));
  CHECK(j.at("per_iommu").contains("dmar1"));
  CHECK(j.at("per_device").size() == 4);
  CHECK(j.at("scenario").at("iommus") == 2);
}

TEST_CASE("validate --set with a bare string value and a JSON Pointer path", "[cli][set]") {
  TempDir tmp;
  const RunResult r =
      run_svasim({"validate", kSeed, "--set", "profile=linux-6.12-vtd", "--set", "/params/vtd/qi_batch_size=8"}, tmp.path());
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("profile linux-6.12-vtd"));
  CHECK_THAT(r.out, Contains("flush vtd-qi-batch"));
}

TEST_CASE("a malformed --set exits 2 and writes nothing", "[cli][set]") {
  TempDir tmp;
  SECTION("validate") {
    const RunResult r = run_svasim({"validate", kSeed, "--set", "duration_us"}, tmp / "capture");
    check_option_error(r, "--set", "PATH=VALUE");
    CHECK_THAT(r.err, Contains("\"duration_us\""));
  }
  SECTION("run -o") {
    const fs::path out = tmp / "results.json";
    const RunResult r = run_svasim({"run", kSeed, "--set", "duration_us", "-o", out.string()}, tmp / "capture");
    check_option_error(r, "--set", "PATH=VALUE");
    CHECK_FALSE(fs::exists(out));
  }
  SECTION("empty path") {
    const RunResult r = run_svasim({"validate", kSeed, "--set", "=5"}, tmp / "capture");
    check_option_error(r, "--set", "PATH=VALUE");
  }
}

TEST_CASE("validate --set values are checked like the file", "[cli][set]") {
  TempDir tmp;
  SECTION("wrong type") {
    const RunResult r = run_svasim({"validate", kSeed, "--set", "duration_us=abc"}, tmp.path());
    check_input_error(r, kSeed, "/duration_us", "number");
  }
  SECTION("parameter out of range") {
    const RunResult r = run_svasim({"validate", kSeed, "--set", "params.vtd.qi_batch_size=0"}, tmp.path());
    check_input_error(r, kSeed, "/params/vtd/qi_batch_size", "[1, 254]");
  }
  SECTION("array index that does not exist") {
    const RunResult r = run_svasim({"validate", kSeed, "--set", "workload.unmaps.5.cpu=1"}, tmp.path());
    check_input_error(r, kSeed, "/workload/unmaps/5", "no element 5");
  }
}

TEST_CASE("an unknown --profile on the command line exits 2 and writes nothing", "[cli]") {
  TempDir tmp;
  const fs::path out = tmp / "results";
  const RunResult r =
      run_svasim({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.99-vtd", "-o", out.string()}, tmp / "capture");
  check_option_error(r, "--profile", "linux-6.99-vtd");
  CHECK_THAT(r.err, Contains("did you mean \"linux-6.9-vtd\""));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("an -o that cannot receive results exits 2 before simulating", "[cli]") {
  TempDir tmp;
  SECTION("a directory") {
    const RunResult r = run_svasim({"run", kSeed, "-o", tmp.path().string()}, tmp / "capture");
    check_option_error(r, "-o", "not a regular file");
  }
  SECTION("a missing directory") {
    const RunResult r = run_svasim({"run", kSeed, "-o", (tmp / "no" / "such" / "r.json").string()}, tmp / "capture");
    check_option_error(r, "-o", "no directory");
  }
  SECTION("a device") {
    const RunResult r = run_svasim({"run", kSeed, "-o", "/dev/null"}, tmp / "capture");
    check_option_error(r, "-o", "not a regular file");
  }
  SECTION("a file where several profiles need a directory") {
    const fs::path f = tmp / "file";
    std::ofstream(f) << "x";
    const RunResult r = run_svasim({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd", "-o", f.string()}, tmp / "capture");
    check_option_error(r, "-o", "directory");
  }
}

TEST_CASE("a scenario file that cannot be read exits 2", "[cli]") {
  TempDir tmp;
  SECTION("missing file") {
    const std::string file = (tmp / "no-such-scenario.json").string();
    const RunResult r = run_svasim({"validate", file}, tmp / "capture");
    check_input_error(r, file, "(document)", "no such file");
  }
  SECTION("a directory") {
    const std::string dir = source_path("scenarios");
    const RunResult r = run_svasim({"validate", dir}, tmp / "capture");
    check_input_error(r, dir, "(document)", "directory");
  }
}

TEST_CASE("validate --seed rejects values that are not a non-negative integer", "[cli]") {
  TempDir tmp;
  for (const std::string v : {"abc", "-1", "1.5"}) {
    const RunResult r = run_svasim({"validate", kSeed, "--seed", v}, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == kBadInput);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains("--seed"));
  }
}

// ---------------------------------------------------------------------------------------------------
// Help and command-line errors
// ---------------------------------------------------------------------------------------------------

TEST_CASE("svasim --help and the --help of each subcommand exit 0 and list their options", "[cli][help]") {
  const std::map<std::string, std::vector<std::string>> expected{
      {"", {"run", "validate", "plan", "list", "bench", "--version", "--cfg=", "--log="}},
      {"plan", {"scenario", "--set", "--profile", "--range", "--kind", "--process", "Exit codes"}},
      {"run", {"scenario", "--set", "--seed", "--profile", "-o,--output", "-q,--quiet", "--trace", "--trace-format",
               "--trace-limit", "--trace-window", "Exit codes"}},
      {"validate", {"scenario", "--set", "--seed", "--profile", "Exit codes"}},
      {"list", {"--markdown"}},
      {"bench", {"--unmaps", "--devices"}},
  };
  TempDir tmp;
  for (const auto& [sub, words] : expected) {
    std::vector<std::string> args;
    if (!sub.empty()) args.push_back(sub);
    args.push_back("--help");
    const RunResult r = run_svasim(args, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    if (!sub.empty()) CHECK_THAT(r.out, Contains("Usage: ") && Contains(" " + sub + " [OPTIONS]"));
    for (const auto& w : words) CHECK_THAT(r.out, Contains(w));
  }
}

TEST_CASE("svasim --version exits 0 and names the version", "[cli][help]") {
  TempDir tmp;
  const RunResult r = run_svasim({"--version"}, tmp.path());
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("svasim "));
}

TEST_CASE("an unknown subcommand exits 2 and names it", "[cli][help]") {
  TempDir tmp;
  const RunResult r = run_svasim({"frobnicate", kSeed}, tmp.path());
  INFO(r.describe());
  CHECK(r.exit_code == kBadInput);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Contains("frobnicate"));
}

TEST_CASE("no subcommand exits 2", "[cli][help]") {
  TempDir tmp;
  const RunResult r = run_svasim({}, tmp.path());
  INFO(r.describe());
  CHECK(r.exit_code == kBadInput);
  CHECK_THAT(r.err, Contains("subcommand"));
}

TEST_CASE("an unknown option exits 2 and names it for every subcommand", "[cli][help]") {
  TempDir tmp;
  const std::vector<std::vector<std::string>> cmds{
      {"--frobnicate"}, {"run", kSeed, "--frobnicate"}, {"validate", kSeed, "--frobnicate"},
      {"list", "--frobnicate"}, {"bench", "--frobnicate"}};
  for (const auto& args : cmds) {
    const RunResult r = run_svasim(args, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == kBadInput);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains("--frobnicate"));
  }
}

TEST_CASE("a missing scenario argument or a bad option value exits 2", "[cli][help]") {
  TempDir tmp;
  const std::vector<std::vector<std::string>> cmds{
      {"run"}, {"validate"}, {"run", kSeed, "-o"}, {"bench", "--unmaps", "0"}, {"bench", "--phase", "nope"}};
  for (const auto& args : cmds) {
    const RunResult r = run_svasim(args, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == kBadInput);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
  }
}

// ---------------------------------------------------------------------------------------------------
// svasim list
// ---------------------------------------------------------------------------------------------------

TEST_CASE("list mentions every profile and every parameter", "[cli][list]") {
  TempDir tmp;
  const RunResult r = run_svasim({"list"}, tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto lines = lines_of(r.out);
  auto has_line_starting = [&](const std::string& w) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      const auto words = words_of(l);
      return !words.empty() && words.front() == w;
    });
  };
  for (const auto& p : kProfiles) {
    INFO("profile " << p);
    CHECK(has_line_starting(p));
  }
  REQUIRE(svasim::all_params().size() >= 18);
  for (const auto& p : svasim::all_params()) {
    INFO("parameter " << p.name);
    CHECK(has_line_starting(p.name));
  }
}

TEST_CASE("list --markdown is docs/PARAMETERS.md byte for byte", "[cli][list]") {
  TempDir tmp;
  const RunResult r = run_svasim({"list", "--markdown"}, tmp.path());
  INFO(r.describe().substr(0, 300));
  REQUIRE(r.exit_code == 0);
  const std::string doc = read_file(source_path("docs/PARAMETERS.md"));
  // On failure: regenerate with `svasim list --markdown > docs/PARAMETERS.md`.
  CHECK(r.out == doc);
  for (const auto& p : kProfiles) CHECK_THAT(r.out, Contains("`" + p + "`"));
  for (const auto& p : svasim::all_params()) CHECK_THAT(r.out, Contains("`" + p.name + "`"));
}

// ---------------------------------------------------------------------------------------------------
// SimGrid pass-through
// ---------------------------------------------------------------------------------------------------

TEST_CASE("SimGrid --cfg and --log flags pass through to the engine", "[cli][simgrid]") {
  TempDir tmp;
  SECTION("one profile") {
    const fs::path out = tmp / "results.json";
    const RunResult r = run_svasim(
        concat({"run", kSeed, "-o", out.string(), "--cfg=network/crosstraffic:0", "--log=root.thres:critical"}, kShort),
        tmp / "capture");
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(out));
    CHECK_THAT(r.out, Contains("iotlb_invalidations"));
  }
  SECTION("several profiles: the flags reach every child run") {
    const RunResult r = run_svasim(concat({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd",
                                           "--cfg=network/crosstraffic:0", "--log=root.thres:critical"},
                                          kShort),
                                   tmp / "capture");
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("ratio to first"));
  }
}

// SimGrid's tracing makes a container per link when the link is sealed; sealing links before their zone made a
// second one ("container cpu0--dmar0 already present in all_containers_").
TEST_CASE("SimGrid's own tracing writes a Paje trace naming svasim's links", "[cli][simgrid]") {
  TempDir tmp;
  const fs::path trace = tmp / "run.trace";
  const RunResult r = run_svasim(concat({"run", kSeed, "-q", "-o", (tmp / "r.json").string(), "--cfg=tracing:yes",
                                         "--cfg=tracing/platform:yes", "--cfg=tracing/uncategorized:yes",
                                         "--cfg=tracing/filename:" + trace.string()},
                                        kShort),
                                 tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const std::string text = read_file(trace);
  CHECK_THAT(text, Contains("cpu0--dmar0"));
  CHECK_THAT(text, Contains("sw0--dsa3"));
}

TEST_CASE("an unknown SimGrid --cfg key is bad input: exit 2 and nothing written", "[cli][simgrid]") {
  TempDir tmp;
  const fs::path out_dir = tmp / "out";
  fs::create_directories(out_dir);
  const fs::path out = out_dir / "results.json";
  const RunResult r = run_svasim(concat({"run", kSeed, "-o", out.string(), "--cfg=network/no-such-key:1"}, kShort),
                                 tmp / "capture");
  INFO(r.describe());
  CHECK(r.exit_code == kBadInput);
  CHECK_THAT(r.err, Contains("network/no-such-key"));
  CHECK_FALSE(fs::exists(out));
  CHECK(fs::is_empty(out_dir));
}

TEST_CASE("bench phases run and print their figures", "[cli][bench]") {
  TempDir tmp;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"bench", "--phase", "svasim", "--unmaps", "200"},
        std::vector<std::string>{"bench", "--phase", "raw", "--sleeps", "100", "--comms", "50"},
        std::vector<std::string>{"bench", "--phase", "dma"}}) {
    const RunResult r = run_svasim(args, tmp.path());
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j["wall_s"].get<double>() > 0);  // figures are printed, never judged here
    CHECK(j["activities"].get<std::uint64_t>() > 0);
  }
}

// ---------------------------------------------------------------------------------------------------
// svasim plan
// ---------------------------------------------------------------------------------------------------

TEST_CASE("plan prints every profile's descriptors and a table; 6.12 and 6.14 differ on interleaved binds", "[cli][plan]") {
  TempDir tmp;
  const RunResult all = run_svasim({"plan", kSeed, "--range", "0,2"}, tmp.path());
  INFO(all.describe());
  REQUIRE(all.exit_code == 0);
  for (const std::string& profile : kProfiles) CHECK_THAT(all.out, Contains("== " + profile + ": "));
  CHECK_THAT(all.out, Contains("p_dev_tlb_inv_dsc dsa0 addr 0 am 1 (2 pages)"));
  CHECK_THAT(all.out, Contains("CMD_SYNC"));
  CHECK_THAT(all.out, Contains("COMPLETION_WAIT"));

  // cache_tag_assign(): 6.12 interleaves the two IOMMUs' tags (a submission per change of IOMMU), 6.14 groups them.
  const RunResult mixed = run_svasim({"plan", source_path("scenarios/interleaved-2iommu.json"), "--profile",
                                      "linux-6.12-vtd,linux-6.14-vtd"}, tmp.path());
  INFO(mixed.describe());
  REQUIRE(mixed.exit_code == 0);
  CHECK_THAT(mixed.out, Contains("flush: 8 qi_submit_sync"));
  CHECK_THAT(mixed.out, Contains("flush: 2 qi_submit_sync"));
}

TEST_CASE("plan refuses a bad range, kind or process with exit 2 and the option's name", "[cli][plan]") {
  TempDir tmp;
  for (const auto& [args, option] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--range", "0"}, "--range"},
           {{"--range", "0,0"}, "--range"},
           {{"--range", "262143,2"}, "--range"},
           {{"--range", "0x,1"}, "--range"},
           {{"--kind", "reclaim", "--range", "all"}, "--kind"},
           {{"--kind", "fork"}, "--kind"},
           {{"--process", "nobody"}, "--process"}}) {
    std::vector<std::string> cmd{"plan", kSeed, "--profile", "linux-6.12-vtd"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    const RunResult r = run_svasim(cmd, tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == kBadInput);
    CHECK_THAT(r.err, StartsWith("svasim: error: " + option + ": "));
    CHECK(r.out.empty());
  }
}

// The README shows `svasim plan` on the quick start's scenario; it must be what svasim prints today.
TEST_CASE("the README's svasim plan output for the seed scenario is current", "[cli][plan][docs]") {
  const std::string readme = read_file(source_path("README.md"));
  const std::string begin = "<!-- plan-seed:begin -->\n```\n", end = "```\n<!-- plan-seed:end -->";
  const auto b = readme.find(begin), e = readme.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  TempDir tmp;
  const RunResult r = run_svasim({"plan", source_path("scenarios/seed-4dev-1iommu.json")}, tmp.path());
  REQUIRE(r.exit_code == 0);
  // Compared line by line so a failure shows the first line that differs.
  std::istringstream shown(readme.substr(b + begin.size(), e - b - begin.size())), actual(r.out);
  std::string want, got;
  int line = 0;
  while (std::getline(actual, got)) {
    ++line;
    INFO("line " << line << " (regenerate with: svasim plan scenarios/seed-4dev-1iommu.json)");
    REQUIRE(std::getline(shown, want));
    REQUIRE(want == got);
  }
  CHECK_FALSE(std::getline(shown, want));
}

// ---------------------------------------------------------------------------------------------------
// svasim run --trace
// ---------------------------------------------------------------------------------------------------

TEST_CASE("run --trace writes every descriptor and wait (kernel lines) or every submission (Perfetto JSON)", "[cli][trace]") {
  TempDir tmp;
  const fs::path results = tmp / "r.json", lines = tmp / "t.txt", perfetto = tmp / "t.json";
  const std::vector<std::string> shortrun{"--set", "duration_us=500", "-q"};
  RunResult r = run_svasim(concat({"run", kSeed, "-o", results.string(), "--trace", lines.string()}, shortrun), tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const json counters = json::parse(read_file(results)).at("counters");
  std::istringstream in(read_file(lines));
  std::size_t descriptor_lines = 0, wait_lines = 0;
  // trace_qi_submit()'s format for each descriptor: "qi_submit: TYPE IOMMU: 0xQW0 0xQW1 0xQW2 0xQW3", then
  // svasim's decoding after " # "; qi_submit_sync()'s own wait (which the kernel does not trace) as qi_wait.
  const std::regex kernel_line(R"(^\S+ [0-9]+\.[0-9]{9}: qi_submit: [a-z_]+ dmar[0-9]+:( 0x[0-9a-f]+){4} # .*)");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.find(": qi_wait: ") != std::string::npos) {
      ++wait_lines;
      continue;
    }
    CHECK(std::regex_match(line, kernel_line));
    ++descriptor_lines;
  }
  CHECK(descriptor_lines == counters.at("descriptors").get<std::size_t>());
  CHECK(wait_lines == counters.at("invalidation_waits").get<std::size_t>());

  r = run_svasim(concat({"run", kSeed, "--trace", perfetto.string(), "--trace-format", "perfetto"}, shortrun), tmp.path());
  REQUIRE(r.exit_code == 0);
  const json trace = json::parse(read_file(perfetto));
  std::size_t submissions = 0, unmaps = 0;
  for (const json& e : trace.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    CHECK(e.at("dur").get<double>() >= 0);
    (e.at("cat") == "queue" ? submissions : unmaps)++;
  }
  CHECK(submissions == counters.at("submissions").get<std::size_t>());
  CHECK(unmaps == counters.at("unmaps").get<std::size_t>());
}

// intel/prq.c intel_iommu_page_response() (6.12): the answer to a page request is a page group response
// descriptor sent with qi_submit_sync(), so it shows as a queue submission of its own, with its wait, beside the
// invalidations (which the counters keep to themselves).
TEST_CASE("run --trace: VT-d answers each page request with a page group response through qi_submit_sync", "[cli][trace]") {
  TempDir tmp;
  const fs::path results = tmp / "r.json", lines = tmp / "t.txt";
  const RunResult r = run_svasim({"run", source_path("scenarios/accelerator-4dsa.json"), "--profile", "linux-6.12-vtd", "-o",
                                  results.string(), "--trace", lines.string(), "--set", "duration_us=1000", "-q"},
                                 tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const json counters = json::parse(read_file(results)).at("counters");
  std::istringstream in(read_file(lines));
  std::size_t responses = 0, waits = 0;
  for (std::string line; std::getline(in, line);) {
    responses += line.find("qi_submit: page_grp_resp") != std::string::npos ? 1 : 0;
    waits += line.find(": qi_wait: ") != std::string::npos ? 1 : 0;
  }
  REQUIRE(counters.at("page_faults").get<std::size_t>() > 0);
  CHECK(responses == counters.at("page_faults").get<std::size_t>());
  CHECK(waits == counters.at("invalidation_waits").get<std::size_t>() + responses);
}

// The shipped AMD stuck-device scenario shows what its description says: wait_on_sem() holds iommu->lock for its
// whole LOOP_TIMEOUT (100 ms) and gives up (-EIO), and the other CPUs' flushes wait for that lock meanwhile.
TEST_CASE("scenarios/amd-stuck-device.json: CPUs give up after 100 ms holding iommu->lock", "[cli]") {
  TempDir tmp;
  const fs::path results = tmp / "r.json";
  const RunResult r = run_svasim({"run", source_path("scenarios/amd-stuck-device.json"), "-q", "-o", results.string()}, tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(read_file(results));
  CHECK(j.at("counters").at("invalidations_failed").get<int>() > 0);
  CHECK(j.at("latency").at("queue_lock_wait").at("max_ns").get<double>() >= 1e8);  // amd.completion_timeout_ns
  // Served quickly before and after the stall; from when they were due, the unmaps that arrived during it
  // queued behind it (response time, not service).
  CHECK(j.at("latency").at("unmap_service").at("p50_ns").get<double>() < 1e6);
  CHECK(j.at("latency").at("unmap").at("max_ns").get<double>() >= 1e8);
  CHECK(j.at("latency").at("unmap").at("p50_ns").get<double>() >= j.at("latency").at("unmap_service").at("p50_ns").get<double>());
}

// intel_iommu_drain_pasid_prq() (prq.c, 6.12-6.14): desc[0] is a wait with the fence flag and no status write,
// and the submission goes through qi_submit_sync(..., QI_OPT_WAIT_DRAIN), whose own wait carries the
// Page-request Drain flag (QI_IWD_PRQ_DRAIN, bit 7); no other wait does.
TEST_CASE("run --trace: each PRQ drain is fenced and closed by a wait with the drain flag", "[cli][trace]") {
  TempDir tmp;
  const fs::path lines = tmp / "t.txt";
  const RunResult r = run_svasim({"run", source_path("scenarios/churn-accelerators.json"), "--profile", "linux-6.12-vtd",
                                  "--trace", lines.string(), "-q"},
                                 tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  std::istringstream in(read_file(lines));
  std::size_t fences = 0, drain_waits = 0, waits = 0;
  bool in_drain = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("qi_submit: inv_wait dmar") != std::string::npos) {
      CHECK_THAT(line, Contains(": 0x200000045 0x0 0x0 0x0 # "));  // QI_IWD_STATUS_DATA(QI_DONE) | FENCE | TYPE
      ++fences;
      in_drain = true;
    }
    if (line.find(": qi_wait: ") == std::string::npos) continue;
    ++waits;
    const bool pd = line.find(": 0x2000000a5 #") != std::string::npos;
    CHECK(pd == in_drain);
    drain_waits += pd ? 1 : 0;
    in_drain = false;
  }
  CHECK(fences > 0);
  CHECK(drain_waits == fences);
  CHECK(waits > drain_waits);
}

TEST_CASE("run --trace is bounded by --trace-limit and --trace-window, and traces one profile", "[cli][trace]") {
  TempDir tmp;
  const fs::path t = tmp / "t.json";
  RunResult r = run_svasim(concat({"run", kSeed, "-q", "--trace", t.string(), "--trace-format", "perfetto",
                                   "--trace-limit", "7"}, kShort), tmp.path());
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("past --trace-limit 7"));
  std::size_t kept = 0;
  const json limited = json::parse(read_file(t));  // kept alive: the loop walks a member of it
  for (const json& e : limited.at("traceEvents")) kept += (e.at("ph") == "X") ? 1 : 0;
  CHECK(kept == 7);

  r = run_svasim(concat({"run", kSeed, "-q", "--trace", t.string(), "--trace-format", "perfetto", "--trace-window",
                         "500,800"}, kShort), tmp.path());
  REQUIRE(r.exit_code == 0);
  std::size_t inside = 0;
  const json windowed = json::parse(read_file(t));
  for (const json& e : windowed.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    ++inside;
    CHECK(e.at("ts").get<double>() >= 500);
    CHECK(e.at("ts").get<double>() < 800);
  }
  CHECK(inside > 0);

  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--profile", "linux-6.9-vtd,linux-6.12-vtd"},
                                              std::vector<std::string>{"--trace-window", "5,1"},
                                              std::vector<std::string>{"--trace-format", "ftrace"}}) {
    const fs::path none = tmp / "none.txt";
    r = run_svasim(concat(concat({"run", kSeed, "-q", "--trace", none.string()}, bad), kShort), tmp.path());
    INFO(r.describe());
    CHECK(r.exit_code == kBadInput);
    CHECK_THAT(r.err, Contains("--trace"));
    CHECK_FALSE(fs::exists(none));
  }
}
