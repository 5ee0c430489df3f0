#include <fstream>
#include <iostream>

#include "analysis/table.hpp"
#include "app/commands.hpp"
#include "engine/results.hpp"

namespace svasim {

// Two results files side by side, the second relative to the first: the per-unmap counts and the
// unmap latency quantiles, as after a run under several profiles.
int cmd_compare(const std::vector<std::string>& files) {
  std::vector<nlohmann::json> runs;
  for (const auto& f : files) {
    std::ifstream in(f);
    nlohmann::json r;
    try {
      if (!in) throw std::runtime_error("cannot open the file");
      r = nlohmann::json::parse(in);
      if (r.value("format", "") != kResultsFormat) throw std::runtime_error("not an svasim results file");
    } catch (const std::exception& e) {
      std::cerr << "svasim: error: " << f << ": " << e.what() << "\n";
      return kExitBadInput;
    }
    runs.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < runs.size(); ++i)
    std::cout << (i ? "B" : "A") << ": " << files[i] << " (" << runs[i]["scenario"].value("name", "") << ", seed "
              << runs[i]["provenance"]["seed"] << ", " << runs[i]["provenance"]["scenario_hash"].get<std::string>() << ")\n";
  std::cout << "\n" << format_comparison(runs);
  return kExitOk;
}

}  // namespace svasim
