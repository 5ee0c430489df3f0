#pragma once
// A sweep's points -> a plain-text/Markdown report that fits a mailing-list post: per grid point (the
// replications of one set of axis values) the mean and 95 % confidence interval of the key metrics, and
// the ratios between profiles when the profile is an axis.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/run_results.hpp"

namespace svasim {

// One line of a sweep's results.jsonl.
struct ReportPoint {
  std::string id, status;
  nlohmann::json sets;                // axis path -> value
  std::optional<RunResults> results;  // present exactly when status is "ok"
};

// Reads one results.jsonl line; `where` names it in messages ("FILE: line N"). Throws InputError
// ("WHERE: /results/counters/unmaps: missing", ...) for anything missing or of the wrong type.
ReportPoint report_point(const nlohmann::json& line, const std::string& where);

// Failed points are listed but not averaged; a metric that does not apply to a run (DMA latency without
// DMA, VM exits on bare metal) is left out of its cell's mean, and the cell is "-" when no run has it.
std::string sweep_report_markdown(const std::vector<ReportPoint>& points, const std::string& title);

// Mean and half-width of the 95 % confidence interval (Student's t) of `xs`; half-width 0 for one value.
std::pair<double, double> mean_ci95(const std::vector<double>& xs);

}  // namespace svasim
