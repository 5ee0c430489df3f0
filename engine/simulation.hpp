#pragma once
// One simulation = one SimGrid engine = one process (SimGrid cannot run a second engine in a process).
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "core/stats.hpp"
#include "engine/invariants.hpp"
#include "engine/trace.hpp"

namespace svasim {

// Runs `s` to completion and returns what it measured. `simgrid_args` are passed to the SimGrid engine
// as they are (--cfg=..., --log=...). Call at most once per process.
// With `check_invariants` (the default in debug builds, `svasim run --check`), a finished run that breaks an
// invariant (engine/invariants.hpp) throws std::runtime_error naming it.
// With `trace`, what the queues do is recorded into it (engine/trace.hpp).
Stats run_simulation(const Scenario& s, const std::vector<std::string>& simgrid_args = {},
                     bool check_invariants = kCheckInvariantsByDefault, Trace* trace = nullptr);

}  // namespace svasim
