#pragma once
// One simulation = one SimGrid engine = one process (SimGrid cannot run a second engine in a process).
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "core/stats.hpp"

namespace svasim {

// Runs `s` to completion and returns what it measured. `simgrid_args` are passed to the SimGrid engine
// as they are (--cfg=..., --log=...). Call at most once per process.
Stats run_simulation(const Scenario& s, const std::vector<std::string>& simgrid_args = {});

}  // namespace svasim
