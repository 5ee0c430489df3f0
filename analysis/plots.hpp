#pragma once
// A sweep's points (or single runs) -> plot data and gnuplot scripts (rendered to SVG by the app), and
// the self-contained HTML report around them. Pure text generation: no SimGrid, no process spawning.
#include <string>
#include <utility>
#include <vector>

#include "analysis/report.hpp"

namespace svasim {

struct PlotPoint {
  double x = 0, y = 0;
  double ci = 0;           // half-width of the 95 % confidence interval over the replications (0: one run)
  bool saturated = false;  // a replication's unmap threads fell behind (RunResults::saturated)
};

struct PlotSeries {
  std::string label;
  std::vector<PlotPoint> points;  // x sorted
};

struct Plot {
  std::string name;  // file stem
  std::string title, xlabel, ylabel;
  bool logy = false;
  bool logx = false;  // x values powers of two (devices, vCPUs, a window, a request size)
  bool cdf = false;   // a distribution: y the fraction of samples at or below x, drawn as steps
  std::vector<PlotSeries> series;  // in legend order: the spec's order of the series' values
  const PlotSeries* find(const std::string& label) const;
};

// One plot per key metric against the first numeric axis (series: the other axes' values, e.g. the
// profile, in spec order); latencies in µs (ms when they reach 100 ms) with the replications' 95 %
// confidence intervals; then the distribution of the unmap latency at the largest x of each series.
// Empty when the sweep has no numeric axis. `axis_order`: the spec's axes in order (from the manifest),
// so "first" means first in the spec; empty: the points' own (alphabetical) order. A run the metric does
// not apply to (DMA latency without DMA, VM exits on bare metal) is not a point of its plot.
std::vector<Plot> sweep_plots(const std::vector<ReportPoint>& points, const std::vector<std::string>& axis_order = {});

// The distributions of single runs (each labelled): unmap latency from when due and its service,
// submission latency, DMA latency where there was DMA; one curve per run.
std::vector<Plot> run_plots(const std::vector<std::pair<std::string, const RunResults*>>& runs);

// gnuplot data (blocks separated for `index`) and the script that renders `svg`.
std::string gnuplot_data(const Plot& p);
std::string gnuplot_script(const Plot& p, const std::string& data_file, const std::string& svg_file);

// What the page says above its plots: which scenario, profiles, environments, duration and samples.
struct ReportHeader {
  std::string title;
  std::vector<std::string> lines;
};
ReportHeader report_header(const std::vector<ReportPoint>& points, const std::string& title);

// The HTML page: the header, the plots inline, and the Markdown report's text and tables as HTML (before
// the plots when they are short, after them for a large sweep). A script in the page counts, once it
// has rendered, the plots whose curves have a size (what a headless-browser test reads).
std::string html_report(const ReportHeader& header, const std::string& markdown, const std::vector<std::string>& svgs);

}  // namespace svasim
