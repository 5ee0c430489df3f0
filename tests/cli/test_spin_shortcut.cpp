// A VT-d CPU spinning on a wait with nobody else wanting q_lock skips simulating its polls and takes them
// up where they would be when something could see them (engine/submit.cpp, spin_unobserved()). That
// shortcut must not change results: each run here is repeated with SVASIM_SIMULATE_EVERY_POLL=1 (every
// poll simulated) and every count must match exactly, every time and mean to rounding.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_svasim.hpp"

using namespace svasim::cli_test;
using nlohmann::json;

namespace {

json run(const std::string& scenario, const std::string& profile, const TempDir& dir, const char* name, bool every_poll) {
  if (every_poll)
    ::setenv("SVASIM_SIMULATE_EVERY_POLL", "1", 1);
  else
    ::unsetenv("SVASIM_SIMULATE_EVERY_POLL");
  const fs::path out = dir.path() / name;
  const RunResult r = run_svasim({"run", source_path("scenarios/" + scenario), "--profile", profile, "--set",
                                  "duration_us=3000", "-o", out.string(), "--check"},
                                 dir.path() / (std::string(name) + ".capture"));
  ::unsetenv("SVASIM_SIMULATE_EVERY_POLL");
  REQUIRE(r.exit_code == 0);
  return json::parse(read_file(out));
}

// Integers (counts, histogram buckets) equal; floating-point times equal to 1e-6 relative (the shortcut
// reaches the same instants by another sum of the same durations).
void check_same(const json& a, const json& b, const std::string& path, int& compared) {
  if (a.is_object()) {
    for (const auto& [k, v] : a.items()) {
      INFO(path + "/" + k);
      REQUIRE(b.contains(k));
      check_same(v, b.at(k), path + "/" + k, compared);
    }
  } else if (a.is_array()) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) check_same(a[i], b[i], path + "[" + std::to_string(i) + "]", compared);
  } else if (a.is_number_float() || b.is_number_float()) {
    INFO(path);
    const double x = a.get<double>(), y = b.get<double>();
    CHECK(std::abs(x - y) <= 1e-6 * std::max({std::abs(x), std::abs(y), 1.0}));
    ++compared;
  } else {
    INFO(path);
    CHECK(a == b);
    ++compared;
  }
}

}  // namespace

TEST_CASE("VT-d spin shortcut: the same results as simulating every poll, under contention and faults", "[cli][vtd]") {
  TempDir dir;
  for (const auto& [scenario, profile] : std::vector<std::pair<std::string, std::string>>{
           {"multi-process-contention.json", "linux-6.9-vtd"},
           {"churn-accelerators.json", "linux-6.12-vtd"},
           {"faulty-device.json", "linux-6.9-vtd"},
           {"seed-guest-nested.json", "linux-6.12-vtd"}}) {
    INFO(scenario + " " + profile);
    int compared = 0;
    const json fast = run(scenario, profile, dir, "fast.json", false);
    const json every = run(scenario, profile, dir, "every.json", true);
    check_same(fast, every, "", compared);
    CHECK(compared > 100);
  }
}
