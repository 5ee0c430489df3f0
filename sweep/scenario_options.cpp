#include <iostream>

#include "sweep/options.hpp"
#include "core/error.hpp"

namespace svasim {

Overrides ScenarioOptions::overrides(const std::optional<std::string>& profile) const {
  Overrides ov;
  for (const auto& s : set) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--set", "expects PATH=VALUE (e.g. topology.generate.devices_per_iommu=8), got \"" + s + "\"");
    ov.set.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  ov.profile = profile;
  ov.seed = seed;
  return ov;
}

std::vector<std::string> ScenarioOptions::child_args() const {
  std::vector<std::string> a;
  for (const auto& s : set) a.insert(a.end(), {"--set", s});
  if (seed) a.insert(a.end(), {"--seed", std::to_string(*seed)});
  return a;
}

std::optional<Scenario> load_or_report(const ScenarioOptions& o, const std::optional<std::string>& profile) {
  try {
    return load_scenario(o.file, o.overrides(profile));
  } catch (const InputError& e) {
    // A command-line option is not the file's fault: name the option instead.
    if (e.path().rfind("--", 0) == 0)
      std::cerr << "svasim: error: " << e.path() << ": " << e.what() << "\n";
    else
      std::cerr << "svasim: error: " << o.file << ": " << (e.path().empty() ? "(document)" : e.path()) << ": "
                << e.what() << "\n";
    return std::nullopt;
  }
}

}  // namespace svasim
