#pragma once
// A small sweep for the end-to-end tests, and readers for its tables.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "run_svasim.hpp"

namespace svasim::cli_test {

// A base scenario of `duration_us` and a 2 x 2 spec over it (x `replications`), written into `dir`. The
// default per-point limit is only a safety net and stretches with SVASIM_TEST_TIMEOUT_SCALE (sanitized runs);
// a limit a test gives is meant to be hit and stays as given.
inline constexpr double kNoTimeLimit = -1;
inline fs::path write_sweep(const fs::path& dir, double duration_us, double time_limit_s = kNoTimeLimit, int replications = 1) {
  if (time_limit_s == kNoTimeLimit) time_limit_s = 600.0 * timeout_scale();
  std::ifstream in(source_path("scenarios/sweep-base-1iommu.json"));
  nlohmann::json base = nlohmann::json::parse(in);
  base["duration_us"] = duration_us;
  std::ofstream(dir / "base.json") << base.dump(2);
  const nlohmann::json spec = {{"base", "base.json"},
                     {"axes", nlohmann::json::array({{{"path", "profile"}, {"values", {"linux-6.9-vtd", "linux-6.12-vtd"}}},
                                           {{"path", "topology.generate.devices_per_iommu"}, {"values", {2, 8}}}})},
                     {"time_limit_s", time_limit_s},
                     {"replications", replications}};
  std::ofstream(dir / "spec.json") << spec.dump(2);
  return dir / "spec.json";
}

inline std::vector<std::string> lines_of(const fs::path& f) {
  std::ifstream in(f);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

inline std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  for (std::string c; std::getline(s, c, ',');) out.push_back(c);
  return out;
}


}  // namespace svasim::cli_test
