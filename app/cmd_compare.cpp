#include <iostream>

#include "analysis/table.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/results.hpp"

namespace svasim {

// Two results files side by side, the second relative to the first: the per-unmap counts and the
// unmap latency quantiles, as after a run under several profiles.
int cmd_compare(const std::vector<std::string>& files) {
  std::vector<RunResults> runs;
  for (const auto& f : files) {
    try {
      runs.push_back(read_results_file(f));
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << e.what() << "\n";  // "FILE: /json/path: message"
      return kExitBadInput;
    }
  }
  for (std::size_t i = 0; i < runs.size(); ++i)
    std::cout << (i ? "B" : "A") << ": " << files[i] << " (" << runs[i].scenario.name << ", seed "
              << runs[i].provenance.seed << ", " << runs[i].provenance.scenario_hash << ")\n";
  std::cout << "\n" << format_comparison(runs);
  return kExitOk;
}

}  // namespace svasim
