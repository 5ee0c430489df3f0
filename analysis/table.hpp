#pragma once
// Results JSON -> plain-text tables that fit a terminal and a mailing-list post. Never links SimGrid.
#include <string>
#include <vector>

#include "core/run_results.hpp"

namespace svasim {

// One run: its provenance line, counters in total and per unmap, latency quantiles, per-IOMMU counters.
std::string format_run(const RunResults& r);

// Several runs of the same scenario side by side (e.g. one per profile), with the ratio of each run
// to the first for the per-unmap counts and the unmap latency quantiles.
std::string format_comparison(const std::vector<RunResults>& runs);

}  // namespace svasim
