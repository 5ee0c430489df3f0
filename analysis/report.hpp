#pragma once
// A sweep's points -> a plain-text/Markdown report that fits a mailing-list post: per grid point (the
// replications of one set of axis values) the mean and 95 % confidence interval of the key metrics, and
// the ratios between profiles when the profile is an axis.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace svasim {

// `points`: the lines of a sweep's results.jsonl (point, sets, status, results). Failed points are listed
// but not averaged.
std::string sweep_report_markdown(const std::vector<nlohmann::json>& points, const std::string& title);

// Mean and half-width of the 95 % confidence interval (Student's t) of `xs`; half-width 0 for one value.
std::pair<double, double> mean_ci95(const std::vector<double>& xs);

}  // namespace svasim
