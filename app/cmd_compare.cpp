#include <iostream>

#include "analysis/run_diff.hpp"
#include "analysis/table.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/results.hpp"

namespace svasim {

// Two results files side by side, the second relative to the first: the per-unmap counts and the
// unmap latency quantiles, as after a run under several profiles. Runs of different experiments (seed,
// workload, topology, duration) are refused unless forced; what differs between them is printed and
// heads their columns.
int cmd_compare(const std::vector<std::string>& files, bool force) {
  std::vector<RunResults> runs;
  for (const auto& f : files) {
    try {
      runs.push_back(read_results_file(f));
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << e.what() << "\n";  // "FILE: /json/path: message"
      return kExitBadInput;
    }
  }
  const RunDifferences d = run_differences(runs[0], runs[1]);
  std::string experiment;
  for (const auto& e : d.experiment) experiment += (experiment.empty() ? "" : "; ") + e;
  if (!d.experiment.empty() && !force) {
    std::cerr << "svasim: error: " << files[0] << " and " << files[1] << " are different experiments (" << experiment
              << "): their figures differ for reasons other than the kernel behaviour; --force compares them anyway\n";
    return kExitBadInput;
  }
  if (!d.experiment.empty())
    std::cerr << "svasim: warning: different experiments (" << experiment << "): compared because of --force\n";
  if (d.builds_differ)
    std::cerr << "svasim: warning: different svasim builds (" << runs[0].provenance.commit << " vs " << runs[1].provenance.commit
              << "): a difference may come from the simulator\n";
  for (std::size_t i = 0; i < runs.size(); ++i)
    std::cout << (i ? "B" : "A") << ": " << files[i] << " (" << runs[i].scenario.name << ", seed " << runs[i].provenance.seed
              << ", " << runs[i].provenance.scenario_hash << ")\n";
  if (d.treatment.empty())
    std::cout << "differs: nothing recorded (the same scenario, profile and parameters)\n";
  for (std::size_t i = 0; i < d.treatment.size(); ++i) {
    if (i == 12) {
      std::cout << "differs: ... and " << d.treatment.size() - 12 << " more\n";
      break;
    }
    std::cout << "differs: " << d.treatment[i] << "\n";
  }
  std::cout << "\n" << format_comparison(runs, {"A: " + d.label_a, "B: " + d.label_b});
  return kExitOk;
}

}  // namespace svasim
