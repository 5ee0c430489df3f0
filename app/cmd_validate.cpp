#include <iostream>

#include "app/commands.hpp"
#include "core/footprint.hpp"
#include "core/error.hpp"
#include "engine/simgrid_flags.hpp"

namespace svasim {

int cmd_validate(const ScenarioOptions& o, const std::vector<std::string>& simgrid_args) {
  try {
    check_simgrid_flags(simgrid_args);
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << e.path() << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  std::vector<std::optional<std::string>> variants;
  if (o.profiles.empty()) variants.emplace_back(std::nullopt);
  for (const auto& p : o.profiles) variants.emplace_back(p);
  for (const auto& v : variants) {
    auto s = load_or_report(o, v);
    if (!s) return kExitBadInput;
    std::cout << o.file << ": ok: " << (s->name.empty() ? "(unnamed)" : s->name) << ", "
              << s->topology.iommus().size() << " IOMMU(s), " << s->topology.devices().size() << " device(s), "
              << s->processes.size() << " process(es), " << s->unmaps.size() << " unmap stream(s), profile "
              << (s->profile.empty() ? "-" : s->profile) << " (domain " << s->domain_model << ", flush "
              << s->flush_model << "), seed " << s->seed << ", " << s->hash << "\n";
    const Footprint fp = estimate_footprint(*s);
    std::cout << o.file << ": estimate: " << fp.describe() << "\n";
    if (const std::string w = footprint_warning(fp); !w.empty()) std::cerr << "svasim: warning: " << o.file << ": " << w << "\n";
  }
  return kExitOk;
}

}  // namespace svasim
