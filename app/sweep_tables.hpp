#pragma once
// results.csv and results.jsonl of a sweep directory: one row per point of the plan's share, read
// from the stored point files. Every backend and `svasim merge` write them through here, so the
// tables of a sweep are the same bytes however its points were run.
#include "app/sweep_plan.hpp"

namespace svasim {

void write_sweep_tables(const SweepPlan& plan, const std::vector<std::size_t>& rows);

}  // namespace svasim
