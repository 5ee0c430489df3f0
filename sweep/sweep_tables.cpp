#include "sweep/sweep_tables.hpp"

#include <iostream>
#include <map>
#include <sstream>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/results.hpp"
#include "sweep/options.hpp"

namespace svasim {

using nlohmann::json;

namespace {

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The tables a sweep writes, built row by row:
//   results.csv        one row per point: its axes, then every metric's column (empty where it does not apply)
//   results-long.csv   tidy: point, replication, seed, axes, profile, environment (unless axes), metric,
//                      statistic, value; only what applies to the run
//   devices-long.csv   the same per device (device, iommu), iommus-long.csv per IOMMU
//   histograms.csv     the main latencies' distributions: metric, lo_ns, hi_ns, count
struct Tables {
  std::ostringstream wide, lng, devices, iommus, histograms;
  std::vector<std::string> keys_header;  // point, replication, seed, the axes
  bool profile_axis = false, environment_axis = false;

  explicit Tables(const SweepPlan& plan) {
    keys_header = {"point", "replication", "seed"};
    for (const auto& p : plan.axis_paths) {
      keys_header.push_back(p);
      profile_axis |= p == "profile";
      environment_axis |= p == "environment";
    }
    std::string keys;
    for (const auto& k : keys_header) keys += csv_cell(k) + ",";
    wide << "point,replication,seed,status";
    for (std::size_t i = 3; i < keys_header.size(); ++i) wide << "," << csv_cell(keys_header[i]);
    if (!profile_axis) wide << ",profile";
    if (!environment_axis) wide << ",environment";
    for (const RunMetric& m : metrics_of(RunResults{})) wide << "," << m.column();
    wide << "\n";
    lng << keys << (profile_axis ? "" : "profile,") << (environment_axis ? "" : "environment,") << "metric,statistic,value\n";
    devices << keys << "device,iommu,metric,statistic,value\n";
    iommus << keys << "iommu,metric,statistic,value\n";
    histograms << keys << "metric,lo_ns,hi_ns,count\n";
  }

  void add(const PointRun& p, const RunResults* r) {
    std::string keys = p.point.id + "," + std::to_string(p.point.replication) + "," + std::to_string(p.point.seed);
    for (const auto& [path, value] : p.point.sets) keys += "," + csv_cell(value_text(value));
    wide << p.point.id << "," << p.point.replication << "," << p.point.seed << "," << status_text(p.state);
    for (const auto& [path, value] : p.point.sets) wide << "," << csv_cell(value_text(value));
    if (!profile_axis) wide << "," << (r ? csv_cell(r->scenario.profile) : "");
    if (!environment_axis) wide << "," << (r ? csv_cell(r->scenario.environment) : "");
    if (!r) {
      for (std::size_t i = 0, n = metrics_of(RunResults{}).size(); i < n; ++i) wide << ",";
      wide << "\n";
      return;
    }
    const std::vector<RunMetric> metrics = metrics_of(*r);
    for (const RunMetric& m : metrics) wide << "," << (m.applies ? number_text(m.value) : "");
    wide << "\n";
    const std::string run = keys + "," + (profile_axis ? "" : csv_cell(r->scenario.profile) + ",") +
                            (environment_axis ? "" : csv_cell(r->scenario.environment) + ",");
    for (const RunMetric& m : metrics)
      if (m.applies) lng << run << m.metric << "," << m.statistic << "," << number_text(m.value) << "\n";
    for (const auto& [name, d] : r->per_device)
      for (const RunMetric& m : metrics_of(d))
        if (m.applies)
          devices << keys << "," << csv_cell(name) << "," << csv_cell(d.iommu) << "," << m.metric << "," << m.statistic << ","
                  << number_text(m.value) << "\n";
    for (const auto& [name, q] : r->per_iommu)
      for (const RunMetric& m : metrics_of(q, r->in_guest()))
        if (m.applies)
          iommus << keys << "," << csv_cell(name) << "," << m.metric << "," << m.statistic << "," << number_text(m.value) << "\n";
    for (const auto& [metric, h] : r->histograms)
      for (std::size_t i = 0; i < h.count.size(); ++i)
        histograms << keys << "," << metric << "," << h.lo_ns[i] << "," << h.hi_ns[i] << "," << h.count[i] << "\n";
  }

  void write(const std::filesystem::path& dir) const {
    write_text_atomically((dir / "results.csv").string(), wide.str());
    write_text_atomically((dir / "results-long.csv").string(), lng.str());
    write_text_atomically((dir / "devices-long.csv").string(), devices.str());
    write_text_atomically((dir / "iommus-long.csv").string(), iommus.str());
    write_text_atomically((dir / "histograms.csv").string(), histograms.str());
  }
};

}  // namespace

int write_sweep_tables(const SweepPlan& plan, const std::vector<std::size_t>& rows) {
  Tables tables(plan);
  std::ostringstream jsonl;
  std::map<std::string, std::size_t> by_status{{"ok", 0}, {"failed", 0}, {"timeout", 0}, {"missing", 0}};
  for (std::size_t i : rows) {
    const PointRun& p = plan.all[i];
    const bool ok = p.state == PointState::done;
    ++by_status[status_text(p.state)];
    json r;  // the stored results, unchanged, for the JSONL line
    if (ok) {
      // Stored files passed results_current, so this fails only if one changed since: nothing is written.
      const std::string file = point_file(plan.dir, p).string();
      try {
        try {
          r = json::parse(read_whole_file(file));
        } catch (const json::exception& e) {
          throw_results_error(file, "", std::string("not JSON: ") + e.what());
        }
        const RunResults results = RunResults::from_json(r, file);
        tables.add(p, &results);
      } catch (const InputError& e) {
        std::cerr << "svasim: error: " << e.what() << "\n";
        return kExitBadInput;
      }
    } else {
      tables.add(p, nullptr);
    }
    json line = {{"point", p.point.id}, {"replication", p.point.replication}, {"seed", p.point.seed}, {"status", status_text(p.state)}};
    json sets = json::object();
    for (const auto& [path, value] : p.point.sets) sets[path] = value;
    line["sets"] = sets;
    if (ok)
      line["results"] = r;
    else
      line["error"] = p.detail;
    jsonl << line.dump() << "\n";
  }
  tables.write(plan.dir);
  write_text_atomically((plan.dir / "results.jsonl").string(), jsonl.str());
  const int code = by_status["ok"] == rows.size() ? 0 : 1;
  json summary = {{"points", rows.size()}, {"exit_code", code}};
  for (const auto& [status, n] : by_status) summary[status] = n;
  write_json_atomically((plan.dir / "summary.json").string(), summary);
  return code;
}

}  // namespace svasim
