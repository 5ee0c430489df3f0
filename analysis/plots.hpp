#pragma once
// A sweep's points -> plot data and gnuplot scripts (rendered to SVG by the app), and the
// self-contained HTML report around them. Pure text generation: no SimGrid, no process spawning.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/report.hpp"

namespace svasim {

struct Plot {
  std::string name;    // file stem
  std::string title, xlabel, ylabel;
  bool logy = false;
  bool logx = false;  // x values powers of two over a wide range (a window, a request size)
  std::map<std::string, std::vector<std::pair<double, double>>> series;  // label -> (x, mean y), x sorted
};

// One plot per key metric against the first numeric axis (series: the other axes' values, e.g. the
// profile); empty when the sweep has no numeric axis. `axis_order`: the spec's axes in order (from the
// manifest), so "first" means first in the spec; empty: the points' own (alphabetical) order. A run
// the metric does not apply to (DMA latency without DMA, VM exits on bare metal) is not a point of its plot.
std::vector<Plot> sweep_plots(const std::vector<ReportPoint>& points, const std::vector<std::string>& axis_order = {});

// gnuplot data (blocks separated for `index`) and the script that renders `svg`.
std::string gnuplot_data(const Plot& p);
std::string gnuplot_script(const Plot& p, const std::string& data_file, const std::string& svg_file);

// The HTML page: the Markdown report's text and tables as HTML, then the SVG plots inline.
std::string html_report(const std::string& title, const std::string& markdown, const std::vector<std::string>& svgs);

}  // namespace svasim
