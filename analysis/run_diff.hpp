#pragma once
// What differs between two runs, for `svasim compare`: the experiment (workload, topology, duration, seed:
// comparing across them is not a fair comparison) and the treatment (profile, models, environment,
// platform, parameters, SimGrid flags: what a comparison is for), and the label each run's column gets.
#include <string>
#include <vector>

#include "core/run_results.hpp"

namespace svasim {

struct RunDifferences {
  std::vector<std::string> experiment;  // "seed 1 vs 2", "workload (fnv1a64:.. vs fnv1a64:..)": refuse
  std::vector<std::string> treatment;   // "profile linux-6.9-vtd vs linux-6.12-vtd", "vm.iommufd_batch 0 vs 1"
  bool builds_differ = false;           // svasim version or commit
  std::string label_a, label_b;         // the columns' headings: what differs, with B's value
};

RunDifferences run_differences(const RunResults& a, const RunResults& b);

}  // namespace svasim
