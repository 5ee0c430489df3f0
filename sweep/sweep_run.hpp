#pragma once
// The steps of `svasim sweep` around its backend: prepare (plan, check every point, open -o, resume),
// then a backend runs the pending points, then finish (tables, summary, exit code).
#include <optional>

#include "sweep/options.hpp"
#include "sweep/sweep_plan.hpp"
#include "sweep/sweep_progress.hpp"

namespace svasim {

// nullopt after printing why (exit code 2).
std::optional<SweepPlan> prepare_sweep(const SweepOptions& o);
// This shard's points that still have to run.
std::vector<std::size_t> pending_points(const SweepPlan& plan);
// "svasim sweep: N points (K already done), ..." on stderr.
void announce_sweep(const SweepPlan& plan, const std::string& how);
// Writes the tables of this shard's points and says where; returns the exit code.
int finish_sweep(const SweepPlan& plan, const SweepProgress& progress);

// Records a point's outcome: the detail of a failure names its log in the sweep directory.
void record_outcome(SweepPlan& plan, std::size_t index, PointState state, const std::string& detail);

// The backends. Each runs `todo` and records every outcome in the plan.
void run_points_local(SweepPlan& plan, const std::vector<std::size_t>& todo, int jobs, SweepProgress& progress);
// --backend mpi: svasim hands the command to svasim-mpi, its sibling executable, in the same process
// (exec). libsimgrid exports SMPI's own MPI_* functions, so a process that linked both SimGrid and Open
// MPI would depend on link order to reach the right MPI_Init; svasim-mpi has no SimGrid in it.
int cmd_sweep_mpi(const SweepOptions& o);
// The options as one JSON argument for svasim-mpi, and back.
nlohmann::json sweep_options_json(const SweepOptions& o);
SweepOptions sweep_options_from_json(const nlohmann::json& j);
// What svasim-mpi runs on every rank.
int run_sweep_mpi(const SweepOptions& o);

// Set by mpirun/srun for every rank: how many ranks this process is one of (1 when not under MPI).
int launcher_world_size();

}  // namespace svasim
