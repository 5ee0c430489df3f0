// The command line as a user meets it: suggestions for what was mistyped, exit codes in every --help,
// examples there that work, SimGrid flags where an engine runs (and refused elsewhere), -o checked
// before anything runs, parameter ranges a reader can read.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "run_svasim.hpp"
#include "sweep_fixture.hpp"

using namespace svasim::cli_test;
using nlohmann::json;

namespace {
const std::string kSeed = source_path("scenarios/seed-4dev-1iommu.json");
}

TEST_CASE("did you mean: commands, options and profiles", "[cli][suggest]") {
  TempDir tmp;
  const RunResult cmd = run_svasim({"runn", kSeed}, tmp / "a");
  CHECK(cmd.exit_code == 2);
  CHECK_THAT(cmd.err, Catch::Contains("unknown command runn; did you mean \"run\"?"));
  const RunResult opt = run_svasim({"run", kSeed, "--profle", "linux-6.12-vtd"}, tmp / "b");
  CHECK(opt.exit_code == 2);
  CHECK_THAT(opt.err, Catch::Contains("unknown option --profle; did you mean \"--profile\"?"));
  const RunResult prof = run_svasim({"run", kSeed, "--profile", "vtd-6.12", "-q"}, tmp / "c");
  CHECK(prof.exit_code == 2);
  CHECK_THAT(prof.err, Catch::Contains("did you mean \"linux-6.12-vtd\"?"));
  const RunResult typo = run_svasim({"run", kSeed, "--profile", "linux-6.12-vdt", "-q"}, tmp / "d");
  CHECK_THAT(typo.err, Catch::Contains("did you mean \"linux-6.12-vtd\"?"));
}

TEST_CASE("every command's --help ends with its exit codes, and its examples run", "[cli][help]") {
  TempDir tmp;
  for (const char* c : {"run", "validate", "plan", "list", "sweep", "merge", "report", "compare", "bench"}) {
    const RunResult h = run_svasim({c, "--help"}, tmp / c);
    INFO(c);
    CHECK(h.exit_code == 0);
    CHECK_THAT(h.out, Catch::Contains("Exit codes: 0"));
    // Every command that reads input says what bad input exits with.
    if (std::string(c) != "list") CHECK(std::regex_search(h.out, std::regex("Exit codes: 0 [^\\n]*2 (bad input|invalid)")));
  }
  CHECK_THAT(run_svasim({"--help"}, tmp / "top").out, Catch::Contains("Exit codes: 0 done; 1"));
  // The examples that only read shipped files, run from the source tree.
  const RunResult help = run_svasim({"validate", "--help"}, tmp / "v");
  const std::smatch m = [&] {
    std::smatch found;
    std::regex_search(help.out, found, std::regex("Example: svasim validate (\\S+) --profile (\\S+)"));
    return found;
  }();
  REQUIRE(m.size() == 3);
  CHECK(run_svasim({"validate", source_path(m[1].str()), "--profile", m[2].str()}, tmp / "v2").exit_code == 0);
  const RunResult plan = run_svasim({"plan", kSeed, "--range", "0,513"}, tmp / "p");
  CHECK(plan.exit_code == 0);
}

TEST_CASE("SimGrid flags: refused by commands without an engine, passed by sweep to every point and recorded", "[cli][simgrid]") {
  TempDir tmp;
  const RunResult list = run_svasim({"list", "--log=svasim_unmap.thres:verbose"}, tmp / "a");
  CHECK(list.exit_code == 2);
  CHECK_THAT(list.err, Catch::Contains("SimGrid flags apply to run, validate and sweep"));
  CHECK(run_svasim({"run", kSeed, "-q", "--log=nonsense"}, tmp / "b").exit_code == 2);

  const fs::path spec = write_sweep(tmp.path(), 200);
  const fs::path out = tmp / "out";
  const std::string flag = "--cfg=network/model:CM02";
  const RunResult bad = run_svasim({"sweep", spec.string(), "-o", (tmp / "bad").string(), "--cfg=no/such:flag"}, tmp / "c");
  CHECK(bad.exit_code == 2);
  CHECK_FALSE(fs::exists(tmp / "bad"));
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string(), flag}, tmp / "d").exit_code == 0);
  const json manifest = json::parse(read_file(out / "sweep.json"));
  CHECK(manifest["simgrid_args"] == json::array({flag}));
  for (const auto& e : fs::directory_iterator(out / "points")) {
    const json p = json::parse(read_file(e.path()));
    CHECK(p["provenance"]["simgrid_args"] == json::array({flag}));
  }
  // The flags are part of each point's hash: resumed with them nothing runs again, without them every point does.
  CHECK_THAT(run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume", flag}, tmp / "e").err,
             Catch::Contains("(4 already done)"));
  CHECK_THAT(run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume"}, tmp / "f").err,
             Catch::Contains("(0 already done)"));
}

TEST_CASE("run with several profiles refuses -o named like a file before running anything", "[cli]") {
  TempDir tmp;
  const RunResult r =
      run_svasim({"run", kSeed, "--profile", "linux-6.9-vtd,linux-6.12-vtd", "-o", (tmp / "x.json").string()}, tmp / "a");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("several profiles -o names a directory"));
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(tmp / "x.json"));
}

TEST_CASE("list prints defaults and ranges as a reader writes them", "[cli][list]") {
  TempDir tmp;
  const RunResult r = run_svasim({"list"}, tmp / "a");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("amd.completion_timeout_ns = 1e8 ns (100 ms)  (range 1,000 to 1e13)"));
  CHECK_THAT(r.out, Catch::Contains("amd.cmdbuf_entries = 512 commands  (range 8 to 32,768)"));
  CHECK(r.out.find("e+") == std::string::npos);
}
