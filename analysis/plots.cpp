#include "analysis/plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>

#include "analysis/report.hpp"

namespace svasim {

using nlohmann::json;

namespace {

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }
// "workload.dma.0.queue_depth" -> "queue_depth": what a legend or an axis needs of a JSON path.
std::string last_segment(const std::string& path) {
  const auto dot = path.find_last_of("./");
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

struct MetricPlot {
  const char* name;
  const char* title;
  const char* ylabel;
  bool logy;
  double (*value)(const RunResults&);
  bool (*shown)(const RunResults&);    // the plot is drawn when some run has it
  bool (*applies)(const RunResults&);  // the run is a point of the plot
};

bool always(const RunResults&) { return true; }
bool dma_done(const RunResults& r) { return r.counters.translation.dma_completed > 0; }
bool has_dma(const RunResults& r) { return r.has_dma(); }

double dma_throughput_gbs(const RunResults& r) {
  double sum = 0;
  for (const auto& [name, d] : r.per_device) sum += d.throughput_bytes_per_s;
  return sum / 1e9;
}

const MetricPlot kPlots[] = {
    {"unmap_p50", "Unmap latency, median", "unmap latency p50 (ns)", true,
     [](const RunResults& r) { return static_cast<double>(r.latency.unmap.p50_ns); }, always, always},
    {"unmap_p99", "Unmap latency, 99th percentile", "unmap latency p99 (ns)", true,
     [](const RunResults& r) { return static_cast<double>(r.latency.unmap.p99_ns); }, always, always},
    {"iotlb_per_unmap", "IOTLB invalidations per unmap", "IOTLB invalidations per unmap", false,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.iotlb_invalidations)); }, always, always},
    {"waits_per_unmap", "Invalidation waits per unmap", "waits per unmap", false,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.invalidation_waits)); }, always, always},
    {"vm_exits_per_unmap", "VM exits per unmap", "VM exits per unmap", false,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.vm_exits)); },
     [](const RunResults& r) { return r.counters.queue.vm_exits > 0; }, [](const RunResults& r) { return r.in_guest(); }},
    {"submission_mean", "Submission latency (qi_submit_sync, cmdq issue), mean", "submission latency mean (ns)", true,
     [](const RunResults& r) { return r.latency.submission.mean_ns; },
     [](const RunResults& r) { return r.in_guest(); }, [](const RunResults& r) { return r.counters.unmaps > 0; }},
    {"unmap_mean", "Unmap latency, mean", "unmap latency mean (ns)", true,
     [](const RunResults& r) { return r.latency.unmap.mean_ns; },
     [](const RunResults& r) { return r.in_guest(); }, [](const RunResults& r) { return r.counters.unmaps > 0; }},
    {"dma_p50", "DMA latency, median", "DMA latency p50 (ns)", true,
     [](const RunResults& r) { return static_cast<double>(r.latency.dma.p50_ns); }, dma_done, has_dma},
    {"dma_throughput", "DMA throughput, all devices", "DMA throughput (GB/s)", false, dma_throughput_gbs, dma_done, has_dma},
};

std::string escape_html(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

}  // namespace

std::vector<Plot> sweep_plots(const std::vector<ReportPoint>& points, const std::vector<std::string>& axis_order) {
  std::vector<const ReportPoint*> ok;
  for (const ReportPoint& p : points)
    if (p.results) ok.push_back(&p);
  if (ok.empty()) return {};
  std::string x;
  const json& sets = ok.front()->sets;
  for (const std::string& k : axis_order)
    if (sets.contains(k) && sets[k].is_number()) {
      x = k;
      break;
    }
  if (x.empty())
    for (const auto& [k, v] : sets.items())
      if (v.is_number()) {
        x = k;
        break;
      }
  if (x.empty()) return {};
  // A log x axis when every x is a power of two and they span at least a factor of 16.
  bool pow2 = true;
  double lo = 1e300, hi = 0;
  for (const ReportPoint* p : ok) {
    const double v = p->sets[x].get<double>();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    pow2 &= v >= 1 && std::floor(v) == v && (static_cast<std::uint64_t>(v) & (static_cast<std::uint64_t>(v) - 1)) == 0;
  }
  const bool logx = pow2 && hi >= 16 * lo;
  // The other axes name the series, in spec order.
  std::vector<std::string> series_axes;
  for (const std::string& k : axis_order)
    if (k != x && sets.contains(k)) series_axes.push_back(k);
  for (const auto& [k, v] : sets.items())
    if (k != x && std::find(series_axes.begin(), series_axes.end(), k) == series_axes.end()) series_axes.push_back(k);
  std::vector<Plot> out;
  for (const MetricPlot& m : kPlots) {
    if (std::none_of(ok.begin(), ok.end(), [&](const ReportPoint* p) { return m.shown(*p->results); })) continue;
    Plot plot{m.name, m.title, last_segment(x), m.ylabel, m.logy, logx, {}};
    std::map<std::string, std::map<double, std::vector<double>>> acc;  // series -> x -> replications
    for (const ReportPoint* p : ok) {
      if (!m.applies(*p->results)) continue;
      // A string value names itself (a profile, a platform); a number says which axis it is on.
      std::string label;
      for (const std::string& k : series_axes) {
        const json& v = p->sets[k];
        label += (label.empty() ? "" : ", ") + (v.is_string() ? text_of(v) : last_segment(k) + "=" + text_of(v));
      }
      acc[label.empty() ? "all" : label][p->sets[x].get<double>()].push_back(m.value(*p->results));
    }
    bool any = false;
    for (const auto& [label, byx] : acc)
      for (const auto& [xv, ys] : byx) {
        const double y = mean_ci95(ys).first;
        if (m.logy && y <= 0) continue;  // a log axis cannot show it (e.g. no unmaps in a DMA-only sweep)
        plot.series[label].emplace_back(xv, y);
        any |= y != 0;
      }
    if (any) out.push_back(std::move(plot));
  }
  return out;
}

std::string gnuplot_data(const Plot& p) {
  std::ostringstream o;
  for (const auto& [label, pts] : p.series) {
    o << "# " << label << "\n";
    for (const auto& [xv, y] : pts) o << xv << " " << y << "\n";
    o << "\n\n";
  }
  return o.str();
}

std::string gnuplot_script(const Plot& p, const std::string& data_file, const std::string& svg_file) {
  std::ostringstream o;
  // Single-quoted gnuplot strings: no backslash escapes and, unlike double quotes, no `command`
  // substitution, so a label or a path can never run anything. A quote is doubled; a line break would end
  // the command, so it becomes a space.
  auto quoted = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("''") : c == '\n' || c == '\r' ? std::string(" ") : std::string(1, c);
    return q + "'";
  };
  // noenhanced: labels such as "devices_per_iommu" are printed as written, not as subscripts.
  // Many series (a grid of platforms, page sizes, depths) get their legend below the plot, so the plot
  // keeps the page's width.
  const bool many = p.series.size() > 4;
  o << "set terminal svg size " << (many ? "900,600" : "760,440") << " dynamic noenhanced font \"sans,11\"\n"
    << "set output " << quoted(svg_file) << "\n"
    << "set title " << quoted(p.title) << "\n"
    << "set xlabel " << quoted(p.xlabel) << "\n"
    << "set ylabel " << quoted(p.ylabel) << "\n"
    << "set grid\n" << (many ? "set key below\n" : "set key outside right\n");
  if (p.logy) o << "set logscale y\n";
  if (p.logx) o << "set logscale x 2\nset xtics 4\n";
  o << "plot ";
  std::size_t i = 0;
  for (const auto& [label, pts] : p.series) {
    o << (i ? ", " : "") << quoted(data_file) << " index " << i << " using 1:2 with linespoints title " << quoted(label);
    ++i;
  }
  o << "\n";
  return o.str();
}

std::string html_report(const std::string& title, const std::string& markdown, const std::vector<std::string>& svgs) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escape_html(title)
    << "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
       "font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
       "figure{margin:1em 0}</style></head><body>\n";
  std::istringstream in(markdown);
  bool in_table = false, header = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("|", 0) == 0) {
      if (line.rfind("|---", 0) == 0) continue;
      if (!in_table) {
        o << "<table>\n";
        in_table = header = true;
      }
      o << "<tr>";
      std::istringstream cells(line.substr(1));
      for (std::string c; std::getline(cells, c, '|');) {
        const auto b = c.find_first_not_of(' '), e = c.find_last_not_of(' ');
        const std::string cell = b == std::string::npos ? "" : c.substr(b, e - b + 1);
        o << (header ? "<th>" : "<td>") << escape_html(cell) << (header ? "</th>" : "</td>");
      }
      o << "</tr>\n";
      header = false;
      continue;
    }
    if (in_table) {
      o << "</table>\n";
      in_table = false;
    }
    if (line.rfind("## ", 0) == 0)
      o << "<h1>" << escape_html(line.substr(3)) << "</h1>\n";
    else if (!line.empty())
      o << "<p>" << escape_html(line) << "</p>\n";
  }
  if (in_table) o << "</table>\n";
  for (const std::string& svg : svgs) {
    // Inline the SVG element itself (the file starts with an XML declaration and a doctype).
    const auto at = svg.find("<svg");
    o << "<figure>" << (at == std::string::npos ? svg : svg.substr(at)) << "</figure>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace svasim
