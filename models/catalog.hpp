#pragma once
// The built-in models and the kernel-named profiles, and the factories that build them by name.
#include <memory>
#include <string>

#include "engine/params.hpp"
#include "models/domain/domain_sharing.hpp"
#include "models/flush/planner.hpp"

namespace svasim {

// Idempotent; call once at start-up (main, tests) before loading scenarios.
void register_builtin_models();

// Names must be registered ones (the scenario loader has checked them); throws std::logic_error otherwise.
std::unique_ptr<DomainSharing> make_domain_sharing(const std::string& name);
std::unique_ptr<FlushPlanner> make_flush_planner(const std::string& name, const Params& params);

}  // namespace svasim
