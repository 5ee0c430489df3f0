#include "analysis/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include <boost/math/distributions/students_t.hpp>

namespace svasim {

using nlohmann::json;

namespace {

// A metric applies to runs with unmaps, or only to runs with DMA, or only to runs in a guest; its
// column is shown when some run has unmaps (DMA, VM exits).
enum class Needs { unmaps, dma, guest };

struct Metric {
  const char* name;
  Needs needs;
  double (*value)(const RunResults& r);
  // The quantile a cell shows and the histogram it is of, so a cell resting on few samples is marked.
  double q = 0;
  const LatencySummary* (*of)(const RunResults& r) = nullptr;
};

const Metric kMetrics[] = {
    {"unmap p50 (ns)", Needs::unmaps, [](const RunResults& r) { return static_cast<double>(r.latency.unmap.p50_ns); }},
    {"unmap p99 (ns)", Needs::unmaps, [](const RunResults& r) { return static_cast<double>(r.latency.unmap.p99_ns); }, 0.99,
     [](const RunResults& r) { return &r.latency.unmap; }},
    {"service p50 (ns)", Needs::unmaps,
     [](const RunResults& r) { return static_cast<double>(r.latency.unmap_service.p50_ns); }},
    {"achieved/offered", Needs::unmaps,
     [](const RunResults& r) {
       return r.counters.unmaps_due > 0 ? static_cast<double>(r.counters.unmaps) / static_cast<double>(r.counters.unmaps_due) : 1.0;
     }},
    {"IOTLB inv/unmap", Needs::unmaps,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.iotlb_invalidations)); }},
    {"waits/unmap", Needs::unmaps,
     [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.invalidation_waits)); }},
    {"VM exits/unmap", Needs::guest, [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.vm_exits)); }},
    {"DMA p50 (ns)", Needs::dma, [](const RunResults& r) { return static_cast<double>(r.latency.dma.p50_ns); }},
    {"DMA GB/s", Needs::dma,
     [](const RunResults& r) {
       double sum = 0;
       for (const auto& [name, d] : r.per_device) sum += d.throughput_bytes_per_s;
       return sum / 1e9;
     }},
    {"IOTLB miss %", Needs::dma,
     [](const RunResults& r) {
       const auto& t = r.counters.translation;
       const double n = static_cast<double>(t.iotlb_hits + t.iotlb_misses);
       return n > 0 ? 100.0 * static_cast<double>(t.iotlb_misses) / n : 0.0;
     }},
};

bool applies(Needs n, const RunResults& r) {
  return n == Needs::unmaps || (n == Needs::dma ? r.has_dma() : r.in_guest());
}

bool has_unmaps(const RunResults& r) { return r.counters.unmaps > 0; }

std::string num(double v) {
  char buf[48];
  if (std::fabs(v) >= 100 || v == 0)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::pair<double, double> mean_ci95(const std::vector<double>& xs) {
  if (xs.empty()) return {0, 0};
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  if (xs.size() < 2) return {mean, 0};
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(xs.size() - 1));
  // The two-sided 95 % quantile of Student's t with n - 1 degrees of freedom (Boost.Math).
  const boost::math::students_t dist(static_cast<double>(xs.size() - 1));
  const double t = boost::math::quantile(boost::math::complement(dist, 0.025));
  return {mean, t * sd / std::sqrt(static_cast<double>(xs.size()))};
}

ReportPoint report_point(const json& line, const std::string& where) {
  if (!line.is_object()) throw_results_error(where, "", "expected an object");
  auto text = [&](const char* key) {
    const auto it = line.find(key);
    if (it == line.end()) throw_results_error(where, std::string("/") + key, "missing");
    if (!it->is_string()) throw_results_error(where, std::string("/") + key, std::string("expected a string, found a ") + it->type_name());
    return it->get<std::string>();
  };
  ReportPoint p{text("point"), text("status"), line.contains("sets") ? line["sets"] : json(), std::nullopt};
  if (!p.sets.is_object()) throw_results_error(where, "/sets", p.sets.is_null() ? "missing" : "expected an object");
  if (p.status == "ok") {
    if (!line.contains("results")) throw_results_error(where, "/results", "missing");
    p.results = RunResults::from_json(line["results"], where, "/results");
  }
  return p;
}

std::string sweep_report_markdown(const std::vector<ReportPoint>& points, const std::string& title) {
  std::ostringstream o;
  std::vector<std::string> axes;
  if (!points.empty())
    for (const auto& [k, v] : points.front().sets.items()) axes.push_back(k);
  // Grid points in first-seen order, each with its replications' results.
  std::vector<std::string> order;
  std::map<std::string, std::pair<json, std::vector<const RunResults*>>> groups;
  std::vector<std::string> failed;
  for (const ReportPoint& p : points) {
    const std::string key = p.sets.dump();
    if (!groups.count(key)) order.push_back(key);
    auto& g = groups[key];
    g.first = p.sets;
    if (p.results)
      g.second.push_back(&*p.results);
    else
      failed.push_back(p.id + " (" + p.status + ")");
  }
  bool has_dma = false, has_vm = false, any_unmaps = false;
  for (const auto& [k, g] : groups)
    for (const RunResults* r : g.second) {
      any_unmaps |= has_unmaps(*r);
      has_dma |= r->has_dma();
      has_vm |= r->counters.queue.vm_exits > 0;
    }

  std::size_t saturated = 0, few = 0;
  for (const auto& [k, g] : groups)
    for (const RunResults* r : g.second) {
      saturated += r->saturated();
      few += has_unmaps(*r) && few_samples_for(0.99, r->latency.unmap.count);
    }
  o << "## " << title << "\n\n" << points.size() << " runs, " << order.size()
    << " grid points; mean ± 95 % confidence interval over replications (n). Unmap latency is from when each unmap "
       "was due (queueing behind the thread's earlier unmaps included); service from when the thread began it.\n\n";
  if (saturated > 0)
    o << "**" << saturated << " run(s) saturated** (marked ⚠): their threads fell behind the arrivals, so fewer unmaps "
      << "were begun than were due (achieved/offered < 1) and their latency grows with the run's length.\n\n";
  if (few > 0)
    o << few << " run(s) have fewer than 1,000 unmaps: their p99 (marked ~) rests on fewer than ten samples and is "
      << "close to their maximum.\n\n";
  o << "|";
  for (const auto& a : axes) o << " " << a << " |";
  o << " n |";
  std::vector<const Metric*> shown;
  for (const Metric& m : kMetrics) {
    if ((m.needs == Needs::guest && !has_vm) || (m.needs == Needs::dma && !has_dma) || (m.needs == Needs::unmaps && !any_unmaps))
      continue;
    shown.push_back(&m);
    o << " " << m.name << " |";
  }
  o << "\n|";
  for (std::size_t i = 0; i < axes.size() + 1 + shown.size(); ++i) o << "---|";
  o << "\n";
  std::map<std::string, std::vector<double>> p50_by_group;
  for (const auto& key : order) {
    const auto& [sets, results] = groups[key];
    o << "|";
    for (const auto& a : axes) o << " " << value_text(sets[a]) << " |";
    o << " " << results.size() << " |";
    for (const Metric* m : shown) {
      std::vector<double> xs;
      bool marked = false, over = false;
      for (const RunResults* r : results)
        if (applies(m->needs, *r)) {
          xs.push_back(m->value(*r));
          marked |= m->of && few_samples_for(m->q, m->of(*r)->count);
          over |= r->saturated();
        }
      const auto [mean, ci] = mean_ci95(xs);
      const bool flag = over && m == shown.front();
      o << " " << (flag ? "⚠ " : "") << (marked ? "~" : "") << (xs.empty() ? "-" : num(mean) + (ci > 0 ? " ± " + num(ci) : ""))
        << " |";
    }
    o << "\n";
  }

  // Ratios between profiles at equal other axes: how a kernel change moves the unmap latency.
  if (std::find(axes.begin(), axes.end(), "profile") != axes.end()) {
    std::vector<std::string> profiles;
    std::map<std::string, std::map<std::string, double>> p50;  // other axes -> profile -> mean p50
    std::vector<std::string> rows;
    for (const auto& key : order) {
      const auto& [sets, results] = groups[key];
      if (results.empty()) continue;
      const std::string profile = value_text(sets["profile"]);
      if (std::find(profiles.begin(), profiles.end(), profile) == profiles.end()) profiles.push_back(profile);
      json rest = sets;
      rest.erase("profile");
      const std::string row = rest.dump();
      if (!p50.count(row)) rows.push_back(row);
      std::vector<double> xs;
      for (const RunResults* r : results) xs.push_back(static_cast<double>(r->latency.unmap.p50_ns));
      p50[row][profile] = mean_ci95(xs).first;
    }
    if (profiles.size() > 1) {
      o << "\nUnmap p50 relative to " << profiles.front() << ":\n\n|";
      for (const auto& a : axes)
        if (a != "profile") o << " " << a << " |";
      for (std::size_t i = 1; i < profiles.size(); ++i) o << " " << profiles[i] << " |";
      o << "\n|";
      for (std::size_t i = 0; i < (axes.size() - 1) + (profiles.size() - 1); ++i) o << "---|";
      o << "\n";
      for (const auto& row : rows) {
        const json rest = json::parse(row);
        o << "|";
        for (const auto& a : axes)
          if (a != "profile") o << " " << value_text(rest[a]) << " |";
        const auto& byp = p50[row];
        const double base = byp.count(profiles.front()) ? byp.at(profiles.front()) : 0;
        for (std::size_t i = 1; i < profiles.size(); ++i) {
          char buf[32];
          if (base > 0 && byp.count(profiles[i]))
            std::snprintf(buf, sizeof buf, "%.2fx", byp.at(profiles[i]) / base);
          else
            std::snprintf(buf, sizeof buf, "-");
          o << " " << buf << " |";
        }
        o << "\n";
      }
    }
  }
  if (!failed.empty()) {
    o << "\nNot in the tables (failed or timed out):";
    for (const auto& f : failed) o << " " << f;
    o << "\n";
  }
  return o.str();
}

}  // namespace svasim
