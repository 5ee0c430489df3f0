#include "sweep/sweep_tables.hpp"

#include <iostream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/results.hpp"
#include "sweep/options.hpp"

namespace svasim {

using nlohmann::json;

namespace {

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string csv_cell(std::string v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// A metric's cell: empty when the metric does not apply to the run (no DMA, bare metal), so a table
// never shows a 0 that was not measured.
template <class T>
std::string cell_if(bool applies, const T& v) {
  if (!applies) return "";
  std::ostringstream o;
  o << v;
  return o.str();
}

void metrics_row(std::ostringstream& csv, const RunResults& r) {
  const QueueCounters& q = r.counters.queue;
  const LatencySummary& unmap = r.latency.unmap;
  const bool dma = r.has_dma();
  csv << "," << csv_cell(r.scenario.profile) << "," << csv_cell(r.scenario.environment) << "," << r.counters.unmaps
      << "," << r.per_unmap(static_cast<double>(q.iotlb_invalidations)) << ","
      << r.per_unmap(static_cast<double>(q.devtlb_invalidations)) << ","
      << r.per_unmap(static_cast<double>(q.invalidation_waits)) << ","
      << cell_if(r.in_guest(), r.per_unmap(static_cast<double>(q.vm_exits))) << ","
      << r.per_unmap(q.queue_lock_wait_ns) << "," << unmap.mean_ns << "," << unmap.p50_ns << "," << unmap.p90_ns << ","
      << unmap.p99_ns << "," << unmap.max_ns << "," << cell_if(dma, r.counters.translation.dma_completed) << ","
      << cell_if(dma, r.latency.dma.p50_ns) << "," << cell_if(dma, r.latency.dma.p99_ns) << ","
      << cell_if(dma, r.counters.translation.page_faults) << "," << r.latency.submission.mean_ns << ","
      << r.latency.submission.p99_ns << "," << cell_if(r.in_guest(), r.per_unmap(q.vm_exit_vmm_wait_ns)) << ","
      << cell_if(r.in_guest(), r.per_unmap(r.counters.vcpu_steal_ns)) << ","
      << cell_if(r.in_guest(), r.per_unmap(static_cast<double>(r.counters.vm_halt_exits))) << "\n";
}

}  // namespace

// The columns users plot: one per axis, then the key metrics.
int write_sweep_tables(const SweepPlan& plan, const std::vector<std::size_t>& rows) {
  std::ostringstream csv, jsonl;
  std::map<std::string, std::size_t> by_status{{"ok", 0}, {"failed", 0}, {"timeout", 0}, {"missing", 0}};
  csv << "point,replication,seed,status";
  for (const auto& p : plan.axis_paths) csv << "," << p;
  csv << ",run_profile,run_environment,unmaps,iotlb_per_unmap,devtlb_per_unmap,waits_per_unmap,vm_exits_per_unmap,"
         "queue_lock_wait_ns_per_unmap,unmap_mean_ns,unmap_p50_ns,unmap_p90_ns,unmap_p99_ns,unmap_max_ns,"
         "dma_completed,dma_p50_ns,dma_p99_ns,page_faults,submission_mean_ns,submission_p99_ns,"
         "vmm_lock_wait_ns_per_unmap,vcpu_steal_ns_per_unmap,vm_halt_exits_per_unmap\n";
  for (std::size_t i : rows) {
    const PointRun& p = plan.all[i];
    const bool ok = p.state == PointState::done;
    ++by_status[status_text(p.state)];
    csv << p.point.id << "," << p.point.replication << "," << p.point.seed << "," << status_text(p.state);
    for (const auto& [path, value] : p.point.sets) csv << "," << csv_cell(value_text(value));
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
        metrics_row(csv, RunResults::from_json(r, file));
      } catch (const InputError& e) {
        std::cerr << "svasim: error: " << e.what() << "\n";
        return kExitBadInput;
      }
    } else {
      csv << std::string(17, ',') << "\n";
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
  write_text_atomically((plan.dir / "results.csv").string(), csv.str());
  write_text_atomically((plan.dir / "results.jsonl").string(), jsonl.str());
  const int code = by_status["ok"] == rows.size() ? 0 : 1;
  json summary = {{"points", rows.size()}, {"exit_code", code}};
  for (const auto& [status, n] : by_status) summary[status] = n;
  write_json_atomically((plan.dir / "summary.json").string(), summary);
  return code;
}

}  // namespace svasim
