// `svasim sweep SPEC -o DIR [-j N] [--resume] [--shard I/N] [--backend local|mpi]`: every point of the
// grid is a child `svasim run` (one SimGrid engine per process). Each finished point is its own results
// file, written atomically, so an interrupted sweep resumes where it stopped; a stored point counts only
// if its provenance (commit, effective scenario hash, seed) matches. A point that fails or exceeds the
// time limit is reported and the others go on. The points are then collected into CSV and JSON Lines.
#include <iostream>

#include "core/error.hpp"
#include "engine/simgrid_flags.hpp"
#include "sweep/sweep_run.hpp"

namespace svasim {

int cmd_sweep(const SweepOptions& o) {
  try {
    check_simgrid_flags(o.simgrid_args);  // before the directory is touched, and not once per point
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << e.path() << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  if (o.backend == "mpi") return cmd_sweep_mpi(o);
  if (const int ranks = launcher_world_size(); ranks > 1) {
    std::cerr << "svasim: error: --backend: started by an MPI launcher as one of " << ranks
              << " ranks with the local backend, so every rank would run the whole sweep into the same -o; add --backend mpi\n";
    return kExitBadInput;
  }
  auto plan = prepare_sweep(o);
  if (!plan) return kExitBadInput;
  const auto todo = pending_points(*plan);
  announce_sweep(*plan, std::to_string(o.jobs) + " at a time");
  SweepProgress progress(todo.size());
  run_points_local(*plan, todo, o.jobs, progress);
  progress.finish();
  return finish_sweep(*plan, progress);
}

}  // namespace svasim
