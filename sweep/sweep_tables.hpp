#pragma once
// results.csv and results.jsonl of a sweep directory: one row per point of the plan's share, read
// from the stored point files; and summary.json, the counts by status and the exit code, for scripts
// that cannot rely on the launcher's exit code (mpirun --enable-recovery always exits 0). Every backend and `svasim merge` write them through here, so the
// tables of a sweep are the same bytes however its points were run.
#include "sweep/sweep_plan.hpp"

namespace svasim {

// Returns the exit code: 0 when every row is ok, else 1; 2 when a stored point cannot be read as
// results (message "svasim: error: FILE: /json/path: ..." printed, no table written).
int write_sweep_tables(const SweepPlan& plan, const std::vector<std::size_t>& rows);

}  // namespace svasim
