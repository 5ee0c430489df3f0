#include "analysis/plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>

#include "analysis/labels.hpp"

namespace svasim {

using nlohmann::json;

namespace {

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The y value's kind: a latency (ns, shown in µs or ms) or a plain number with its own unit.
enum class Unit { latency, plain };

struct MetricPlot {
  const char* name;
  const char* title;
  const char* ylabel;  // without the unit for latencies: "(µs)" or "(ms)" is added
  Unit unit;
  bool logy;
  double (*value)(const RunResults&);
  bool (*shown)(const RunResults&);    // the plot is drawn when some run has it
  bool (*applies)(const RunResults&);  // the run is a point of the plot
};

bool dma_done(const RunResults& r) { return r.counters.translation.dma_completed > 0; }
bool has_dma(const RunResults& r) { return r.has_dma(); }
bool has_unmaps(const RunResults& r) { return r.counters.unmaps > 0; }

double dma_throughput_gbs(const RunResults& r) {
  double sum = 0;
  for (const auto& [name, d] : r.per_device) sum += d.throughput_bytes_per_s;
  return sum / 1e9;
}

const MetricPlot kPlots[] = {
    {"unmap_p50", "Unmap latency from when due, median", "unmap latency p50", Unit::latency, true,
     [](const RunResults& r) { return static_cast<double>(r.latency.unmap.p50_ns); }, has_unmaps, has_unmaps},
    {"unmap_p99", "Unmap latency from when due, 99th percentile", "unmap latency p99", Unit::latency, true,
     [](const RunResults& r) { return static_cast<double>(r.latency.unmap.p99_ns); }, has_unmaps, has_unmaps},
    {"iotlb_per_unmap", "IOTLB invalidations per unmap", "IOTLB invalidations per unmap", Unit::plain, false,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.iotlb_invalidations)); }, has_unmaps,
     has_unmaps},
    {"waits_per_unmap", "Invalidation waits per unmap", "waits per unmap", Unit::plain, false,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.invalidation_waits)); }, has_unmaps,
     has_unmaps},
    {"vm_exits_per_unmap", "VM exits per unmap", "VM exits per unmap", Unit::plain, false,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.vm_exits)); },
     [](const RunResults& r) { return r.counters.queue.vm_exits > 0; }, [](const RunResults& r) { return r.in_guest(); }},
    {"submission_mean", "Submission latency (qi_submit_sync, cmdq issue), mean", "submission latency mean", Unit::latency, true,
     [](const RunResults& r) { return r.latency.submission.mean_ns; }, [](const RunResults& r) { return r.in_guest(); },
     has_unmaps},
    {"unmap_mean", "Unmap latency from when due, mean", "unmap latency mean", Unit::latency, true,
     [](const RunResults& r) { return r.latency.unmap.mean_ns; }, [](const RunResults& r) { return r.in_guest(); }, has_unmaps},
    {"unmap_service_mean", "Unmap service (from when its thread began it), mean", "unmap service mean", Unit::latency, true,
     [](const RunResults& r) { return r.latency.unmap_service.mean_ns; }, [](const RunResults& r) { return r.in_guest(); },
     has_unmaps},
    {"dma_p50", "DMA latency from when due, median", "DMA latency p50", Unit::latency, true,
     [](const RunResults& r) { return static_cast<double>(r.latency.dma.p50_ns); }, dma_done, has_dma},
    {"dma_throughput", "DMA throughput, all devices", "DMA throughput (GB/s)", Unit::plain, false, dma_throughput_gbs, dma_done,
     has_dma},
};

// µs, or ms once the largest value reaches 100 ms: one unit per plot, ticks as plain numbers.
std::pair<double, const char*> latency_scale(double max_ns) { return max_ns >= 1e8 ? std::pair{1e6, "ms"} : std::pair{1e3, "µs"}; }

std::string escape_html(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return o;
}

// Markdown's **bold** as <strong>.
std::string strong(std::string s) {
  for (bool open = true;; open = !open) {
    const auto at = s.find("**");
    if (at == std::string::npos) return s;
    s.replace(at, 2, open ? "<strong>" : "</strong>");
  }
}

bool power_of_two(double v) {
  return v >= 1 && std::floor(v) == v && (static_cast<std::uint64_t>(v) & (static_cast<std::uint64_t>(v) - 1)) == 0;
}

// The cumulative distribution of summed histograms: (upper bound in ns, fraction at or below it).
std::vector<std::pair<double, double>> cdf_of(const std::vector<const HistogramBuckets*>& hs) {
  std::map<std::uint64_t, std::uint64_t> by_hi;
  std::uint64_t total = 0;
  for (const HistogramBuckets* h : hs)
    for (std::size_t i = 0; i < h->count.size(); ++i) {
      by_hi[h->hi_ns[i]] += h->count[i];
      total += h->count[i];
    }
  std::vector<std::pair<double, double>> out;
  std::uint64_t seen = 0;
  for (const auto& [hi, n] : by_hi) {
    seen += n;
    out.emplace_back(static_cast<double>(hi), static_cast<double>(seen) / static_cast<double>(total));
  }
  return out;
}

// A distribution plot of named histograms, x in µs (ms past 100 ms) on a log axis.
Plot distribution_plot(const std::string& name, const std::string& title,
                       const std::vector<std::pair<std::string, std::vector<const HistogramBuckets*>>>& curves) {
  Plot p;
  p.name = name;
  p.title = title;
  p.cdf = true;
  p.logx = true;
  double max_ns = 0;
  std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>> cdfs;
  for (const auto& [label, hs] : curves) {
    auto c = cdf_of(hs);
    if (c.empty()) continue;
    max_ns = std::max(max_ns, c.back().first);
    cdfs.emplace_back(label, std::move(c));
  }
  const auto [scale, unit] = latency_scale(max_ns);
  p.xlabel = std::string("latency (") + unit + ")";
  p.ylabel = "fraction of samples at or below";
  for (auto& [label, c] : cdfs) {
    PlotSeries s{label, {}};
    for (const auto& [x, f] : c) s.points.push_back({x / scale, f, 0, false});
    p.series.push_back(std::move(s));
  }
  return p;
}

}  // namespace

const PlotSeries* Plot::find(const std::string& label) const {
  for (const PlotSeries& s : series)
    if (s.label == label) return &s;
  return nullptr;
}

std::vector<Plot> sweep_plots(const std::vector<ReportPoint>& points, const std::vector<std::string>& axis_order) {
  std::vector<const ReportPoint*> ok;
  for (const ReportPoint& p : points)
    if (p.results) ok.push_back(&p);
  if (ok.empty()) return {};
  std::string x;
  const json& sets = ok.front()->sets;
  // The x axis: the first axis whose value is a number at every point (an axis mixing numbers with
  // objects, {"uniform": [1, 8]} beside 1, names series instead).
  const auto numeric = [&](const std::string& k) {
    return std::all_of(ok.begin(), ok.end(), [&](const ReportPoint* p) { return p->sets.contains(k) && p->sets[k].is_number(); });
  };
  for (const std::string& k : axis_order)
    if (sets.contains(k) && numeric(k)) {
      x = k;
      break;
    }
  if (x.empty())
    for (const auto& [k, v] : sets.items())
      if (numeric(k)) {
        x = k;
        break;
      }
  if (x.empty()) return {};
  // A log2 x axis when every x is a power of two and they span at least a factor of 4.
  bool pow2 = true;
  double lo = 1e300, hi = 0;
  for (const ReportPoint* p : ok) {
    const double v = p->sets[x].get<double>();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    pow2 &= power_of_two(v);
  }
  const bool logx = pow2 && hi >= 4 * lo;
  // The other axes name the series, in spec order; the series come in the order the points do (the
  // spec's order of the values), not alphabetically.
  std::vector<std::string> series_axes;
  for (const std::string& k : axis_order)
    if (k != x && sets.contains(k)) series_axes.push_back(k);
  for (const auto& [k, v] : sets.items())
    if (k != x && std::find(series_axes.begin(), series_axes.end(), k) == series_axes.end()) series_axes.push_back(k);
  auto label_of = [&](const ReportPoint& p) {
    std::string label;
    for (const std::string& k : series_axes) {
      const json& v = p.sets[k];
      // A string value names itself (a profile, a platform); a number says which axis it is on.
      label += (label.empty() ? "" : ", ") + (v.is_string() ? text_of(v) : axis_label(k) + " " + text_of(v));
    }
    return label.empty() ? std::string("all") : label;
  };
  std::vector<std::string> labels;
  for (const ReportPoint* p : ok)
    if (std::find(labels.begin(), labels.end(), label_of(*p)) == labels.end()) labels.push_back(label_of(*p));

  std::vector<Plot> out;
  for (const MetricPlot& m : kPlots) {
    if (std::none_of(ok.begin(), ok.end(), [&](const ReportPoint* p) { return m.shown(*p->results); })) continue;
    Plot plot;
    plot.name = m.name;
    plot.title = m.title;
    plot.xlabel = axis_label(x);
    plot.logy = m.logy;
    plot.logx = logx;
    struct Acc {
      std::vector<double> ys;
      bool saturated = false;
    };
    std::map<std::string, std::map<double, Acc>> acc;  // series -> x -> replications
    double max_y = 0;
    for (const ReportPoint* p : ok) {
      if (!m.applies(*p->results)) continue;
      Acc& a = acc[label_of(*p)][p->sets[x].get<double>()];
      a.ys.push_back(m.value(*p->results));
      a.saturated |= p->results->saturated();
      max_y = std::max(max_y, a.ys.back());
    }
    const auto [scale, unit] = m.unit == Unit::latency ? latency_scale(max_y) : std::pair{1.0, ""};
    plot.ylabel = m.unit == Unit::latency ? std::string(m.ylabel) + " (" + unit + ")" : m.ylabel;
    bool any = false;
    for (const std::string& label : labels) {
      const auto it = acc.find(label);
      if (it == acc.end()) continue;
      PlotSeries s{label, {}};
      for (const auto& [xv, a] : it->second) {
        const auto [mean, ci] = mean_ci95(a.ys);
        if (m.logy && mean <= 0) continue;  // a log axis cannot show it (e.g. no unmaps in a DMA-only sweep)
        s.points.push_back({xv, mean / scale, ci / scale, a.saturated});
        any |= mean != 0;
      }
      if (!s.points.empty()) plot.series.push_back(std::move(s));
    }
    if (any) out.push_back(std::move(plot));
  }

  // The distribution behind the quantiles: the unmap latency of each series at its largest x (the
  // replications' histograms summed), at most eight curves.
  std::vector<std::pair<std::string, std::vector<const HistogramBuckets*>>> curves;
  for (const std::string& label : labels) {
    double top = -1;
    json top_value;  // as the spec wrote it: 8, not 8.0
    for (const ReportPoint* p : ok)
      if (label_of(*p) == label && p->sets[x].get<double>() > top) {
        top = p->sets[x].get<double>();
        top_value = p->sets[x];
      }
    std::vector<const HistogramBuckets*> hs;
    for (const ReportPoint* p : ok) {
      const auto h = p->results->histograms.find("unmap");
      if (label_of(*p) == label && p->sets[x].get<double>() == top && h != p->results->histograms.end() && !h->second.count.empty())
        hs.push_back(&h->second);
    }
    if (!hs.empty() && curves.size() < 8) curves.emplace_back(label + " (" + axis_label(x) + " " + text_of(top_value) + ")", hs);
  }
  if (!curves.empty()) {
    Plot cdf = distribution_plot("unmap_cdf", "Unmap latency from when due: distribution at the largest " + axis_label(x), curves);
    if (!cdf.series.empty()) out.push_back(std::move(cdf));
  }
  return out;
}

std::vector<Plot> run_plots(const std::vector<std::pair<std::string, const RunResults*>>& runs) {
  std::vector<Plot> out;
  auto curves_of = [&](const char* histogram, const char* suffix) {
    std::vector<std::pair<std::string, std::vector<const HistogramBuckets*>>> curves;
    for (const auto& [label, r] : runs) {
      const auto h = r->histograms.find(histogram);
      if (h != r->histograms.end() && !h->second.count.empty()) curves.push_back({label + suffix, {&h->second}});
    }
    return curves;
  };
  auto unmap = curves_of("unmap", " from when due");
  for (auto& c : curves_of("unmap_service", " service")) unmap.push_back(std::move(c));
  if (!unmap.empty()) out.push_back(distribution_plot("unmap_cdf", "Unmap latency: distribution from when due and of its service", unmap));
  if (auto s = curves_of("submission", ""); !s.empty())
    out.push_back(distribution_plot("submission_cdf", "Submission latency (qi_submit_sync, cmdq issue): distribution", s));
  if (auto d = curves_of("dma", ""); !d.empty()) out.push_back(distribution_plot("dma_cdf", "DMA latency from when due: distribution", d));
  return out;
}

std::string gnuplot_data(const Plot& p) {
  std::ostringstream o;
  o.precision(10);
  for (const PlotSeries& s : p.series) {
    o << "# " << s.label << "\n";
    for (const PlotPoint& pt : s.points) o << pt.x << " " << pt.y << " " << pt.ci << "\n";
    o << "\n\n";
  }
  // The saturated points again, one block, circled over the curves.
  o << "# saturated\n";
  bool any = false;
  for (const PlotSeries& s : p.series)
    for (const PlotPoint& pt : s.points)
      if (pt.saturated) {
        o << pt.x << " " << pt.y << " 0\n";
        any = true;
      }
  if (!any) o << "NaN NaN 0\n";
  o << "\n\n";
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
  // Okabe and Ito's colour-blind-safe palette (black last, yellow left out: unreadable on white), and a
  // distinct marker per series, so a series is told apart in grey print too.
  static const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
  static const int kMarkers[] = {7, 5, 9, 11, 13, 15, 1, 2, 3, 4, 6, 8, 10, 12, 14};
  // noenhanced: labels such as "devices_per_iommu" are printed as written, not as subscripts. The legend
  // goes below the plot, so the plot keeps the page's width whatever the labels' length.
  o << "set terminal svg size 1000,600 dynamic noenhanced font \"sans,13\" background rgb \"white\"\n"
    << "set output " << quoted(svg_file) << "\n"
    << "set title " << quoted(p.title) << "\n"
    << "set xlabel " << quoted(p.xlabel) << "\n"
    << "set ylabel " << quoted(p.ylabel) << "\n"
    << "set grid\nset key below left Left reverse maxrows 6\nset format y '%g'\nset format x '%g'\n";
  if (p.logy) o << "set logscale y\n";
  if (!p.logy && !p.cdf) o << "set yrange [0:*]\n";  // counts and rates: an error bar does not make them negative
  if (p.cdf) {
    o << "set logscale x 10\nset yrange [0:1]\nset ytics 0.1\n";
  } else if (p.logx) {
    o << "set logscale x 2\n";
  }
  o << "plot ";
  bool errors = false;
  for (const PlotSeries& s : p.series)
    for (const PlotPoint& pt : s.points) errors |= pt.ci > 0;
  std::size_t i = 0;
  for (const PlotSeries& s : p.series) {
    const char* colour = kColours[i % std::size(kColours)];
    const int marker = kMarkers[i % std::size(kMarkers)];
    // Beyond the palette, a dash pattern keeps the series apart.
    const int dash = static_cast<int>(i / std::size(kColours)) + 1;
    o << (i ? ", " : "") << quoted(data_file) << " index " << i;
    if (p.cdf)
      o << " using 1:2 with steps";
    else if (errors)
      o << " using 1:2:3 with yerrorlines pt " << marker << " ps 1.2";
    else
      o << " using 1:2 with linespoints pt " << marker << " ps 1.2";
    o << " lw 2 dt " << dash << " lc rgb '" << colour << "' title " << quoted(s.label);
    ++i;
  }
  const bool saturated = std::any_of(p.series.begin(), p.series.end(), [](const PlotSeries& s) {
    return std::any_of(s.points.begin(), s.points.end(), [](const PlotPoint& pt) { return pt.saturated; });
  });
  if (saturated)
    o << ", " << quoted(data_file) << " index " << i
      << " using 1:2 with points pt 6 ps 3 lw 2 lc rgb '#555555' title 'saturated: threads fell behind; grows with run length'";
  o << "\n";
  return o.str();
}

ReportHeader report_header(const std::vector<ReportPoint>& points, const std::string& title) {
  ReportHeader h{title, {}};
  std::vector<std::string> scenarios, profiles, environments;
  std::set<double> durations;
  std::uint64_t runs = 0, fewest = UINT64_MAX, most = 0, saturated = 0;
  auto add = [](std::vector<std::string>& xs, const std::string& x) {
    if (std::find(xs.begin(), xs.end(), x) == xs.end()) xs.push_back(x);
  };
  for (const ReportPoint& p : points) {
    if (!p.results) continue;
    const RunResults& r = *p.results;
    ++runs;
    add(scenarios, r.scenario.name + (r.provenance.scenario_file.empty() ? "" : " (" + r.provenance.scenario_file + ")"));
    add(profiles, r.label());
    add(environments, r.scenario.environment);
    durations.insert(r.scenario.duration_ns);
    fewest = std::min(fewest, r.counters.unmaps);
    most = std::max(most, r.counters.unmaps);
    saturated += r.saturated();
  }
  auto joined = [](const std::vector<std::string>& xs) {
    std::string s;
    for (const auto& x : xs) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (runs == 0) {
    h.lines.push_back("no finished runs");
    return h;
  }
  h.lines.push_back("scenario: " + joined(scenarios));
  h.lines.push_back("profiles: " + joined(profiles) + "; environments: " + joined(environments));
  std::string d;
  for (double ns : durations) {
    std::ostringstream o;
    o << ns / 1e3;
    d += (d.empty() ? "" : ", ") + o.str();
  }
  h.lines.push_back("simulated duration: " + d + " µs; " + std::to_string(runs) + " run(s); unmaps per run: " +
                    (fewest == most ? std::to_string(fewest) : std::to_string(fewest) + " to " + std::to_string(most)) +
                    (saturated ? "; " + std::to_string(saturated) + " run(s) saturated" : ""));
  h.lines.push_back("latency from when each unmap was due; error bars: 95 % confidence intervals over replications");
  return h;
}

std::string html_report(const ReportHeader& header, const std::string& markdown, const std::vector<std::string>& svgs) {
  std::ostringstream head, tables;
  std::istringstream in(markdown);
  bool in_table = false, first_row = false;
  std::size_t rows = 0;
  bool in_code = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {  // a fenced block: a run's table as the terminal prints it
      tables << (in_code ? "</pre>\n" : "<pre>");
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      tables << escape_html(line) << "\n";
      continue;
    }
    if (line.rfind("|", 0) == 0) {
      if (line.rfind("|---", 0) == 0) continue;
      if (!in_table) {
        tables << "<table>\n";
        in_table = first_row = true;
      }
      tables << "<tr>";
      std::istringstream cells(line.substr(1));
      for (std::string c; std::getline(cells, c, '|');) {
        const auto b = c.find_first_not_of(' '), e = c.find_last_not_of(' ');
        const std::string cell = b == std::string::npos ? "" : c.substr(b, e - b + 1);
        tables << (first_row ? "<th>" : "<td>") << escape_html(cell) << (first_row ? "</th>" : "</td>");
      }
      tables << "</tr>\n";
      rows += !first_row;
      first_row = false;
      continue;
    }
    if (in_table) {
      tables << "</table>\n";
      in_table = false;
    }
    if (line.rfind("## ", 0) == 0)
      continue;  // the header block carries the title
    if (!line.empty()) tables << "<p>" << strong(escape_html(line)) << "</p>\n";
  }
  if (in_code) tables << "</pre>\n";
  if (in_table) tables << "</table>\n";
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escape_html(header.title)
    << "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
       "table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
       "text-align:right}th{background:#eee}figure{margin:1.5em 0}figure svg{width:100%;height:auto}"
       ".header p{margin:0.2em 0;color:#333}pre{font-size:12px;background:#f7f7f7;padding:0.5em;overflow-x:auto}</style></head><body>\n<h1>"
    << escape_html(header.title) << "</h1>\n<div class=\"header\">\n";
  for (const std::string& l : header.lines) o << "<p>" << escape_html(l) << "</p>\n";
  o << "</div>\n";
  // A large sweep's tables come after its plots: the plots are what a reader looks at first.
  const bool tables_last = rows > 24;
  if (!tables_last) o << tables.str();
  for (const std::string& svg : svgs) {
    // Inline the SVG element itself (the file starts with an XML declaration and a doctype).
    const auto at = svg.find("<svg");
    o << "<figure>" << (at == std::string::npos ? svg : svg.substr(at)) << "</figure>\n";
  }
  if (tables_last) o << tables.str();
  // What a headless browser reads back (--dump-dom): the plots, and those with a curve or a point drawn
  // inside their frame (gnuplot groups each curve as g#gnuplot_plot_N; its legend sample sits below the
  // frame, so a curve without data draws nothing inside it).
  o << "<pre id=\"svasim-check\"></pre>\n<script>\n"
       "window.addEventListener('load', function () {\n"
       "  var figures = document.querySelectorAll('figure'), drawn = 0;\n"
       "  figures.forEach(function (f) {\n"
       "    var frame = null;\n"
       "    f.querySelectorAll('path').forEach(function (p) {\n"
       "      if (!frame && !p.closest('g[id^=\"gnuplot_plot_\"]') && /Z\\s*$/.test(p.getAttribute('d') || ''))\n"
       "        frame = p.getBoundingClientRect(); });\n"
       "    if (!frame || frame.width < 10 || frame.height < 10) return;\n"
       "    var inside = false;\n"
       "    f.querySelectorAll('g[id^=\"gnuplot_plot_\"] path, g[id^=\"gnuplot_plot_\"] use').forEach(function (e) {\n"
       "      var r = e.getBoundingClientRect();\n"
       "      if (r.right > frame.left + 2 && r.left < frame.right - 2 && r.bottom > frame.top + 2 && r.top < frame.bottom - 2)\n"
       "        inside = true; });\n"
       "    if (inside) drawn++; });\n"
       "  document.getElementById('svasim-check').textContent = 'plots ' + figures.length + ' drawn ' + drawn;\n"
       "});\n</script>\n</body></html>\n";
  return o.str();
}

}  // namespace svasim
