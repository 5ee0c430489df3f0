#pragma once
// Results JSON -> plain-text tables that fit a terminal and a mailing-list post. Never links SimGrid.
#include <string>
#include <vector>

#include "core/run_results.hpp"

namespace svasim {

// One run: its provenance line, counters in total and per unmap, latency quantiles, per-IOMMU counters.
std::string format_run(const RunResults& r);

// The offered and achieved unmap rates, late and never-begun unmaps, and a SATURATED line when the
// threads fell behind (RunResults::saturated); "" without unmaps. Ends in a newline.
std::string load_line(const RunResults& r);

// Several runs of the same scenario side by side (e.g. one per profile), with the ratio of each run
// to the first for the per-unmap counts and the unmap latency quantiles.
// `labels` head the columns (default: each run's profile).
std::string format_comparison(const std::vector<RunResults>& runs, const std::vector<std::string>& labels = {});

}  // namespace svasim
