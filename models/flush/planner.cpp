// The cost every flush planner shares: entering a domain's mmu_notifier.
#include "models/flush/planner.hpp"

namespace svasim {

SVASIM_PARAM({.name = "cpu.notifier_ns", .unit = "ns", .default_value = 100, .max = 1e9,
              .description = "CPU cost to enter the mmu_notifier and walk the domain's attachments or cache tags, per "
                             "domain (assumption: no published figure)",
              .source = "assumption"});
}  // namespace svasim
