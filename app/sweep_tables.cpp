#include "app/sweep_tables.hpp"

#include <map>
#include <sstream>

#include "engine/results.hpp"

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

}  // namespace

// The columns users plot: one per axis, then the key metrics.
int write_sweep_tables(const SweepPlan& plan, const std::vector<std::size_t>& rows) {
  std::ostringstream csv, jsonl;
  std::map<std::string, std::size_t> by_status{{"ok", 0}, {"failed", 0}, {"timeout", 0}, {"missing", 0}};
  csv << "point,replication,seed,status";
  for (const auto& p : plan.axis_paths) csv << "," << p;
  csv << ",run_profile,run_environment,unmaps,iotlb_per_unmap,devtlb_per_unmap,waits_per_unmap,vm_exits_per_unmap,"
         "queue_lock_wait_ns_per_unmap,unmap_mean_ns,unmap_p50_ns,unmap_p90_ns,unmap_p99_ns,unmap_max_ns,"
         "dma_completed,dma_p50_ns,dma_p99_ns,page_faults\n";
  for (std::size_t i : rows) {
    const PointRun& p = plan.all[i];
    const bool ok = p.state == PointState::done;
    const json r = ok ? json::parse(read_whole_file(point_file(plan.dir, p))) : json();
    ++by_status[status_text(p.state)];
    csv << p.point.id << "," << p.point.replication << "," << p.point.seed << "," << status_text(p.state);
    for (const auto& [path, value] : p.point.sets) csv << "," << csv_cell(value_text(value));
    if (ok) {
      // Stored files passed results_current; a counter of the wrong type still reads as 0, not as a crash.
      auto counter = [&](const char* name) {
        const json& c = r.at("counters");
        return c.contains(name) && c[name].is_number() ? c[name].get<double>() : 0.0;
      };
      auto per_unmap = [&](const char* name) {
        const double u = counter("unmaps");
        return u > 0 ? counter(name) / u : 0.0;
      };
      auto text = [&](const char* name) {
        const json& sc = r.at("scenario");
        return sc.contains(name) && sc[name].is_string() ? sc[name].get<std::string>() : std::string();
      };
      const json& l = r.at("latency");
      const json &unmap = l.at("unmap"), &dma = l.at("dma");
      csv << "," << csv_cell(text("profile")) << "," << csv_cell(text("environment")) << ","
          << r.at("counters").at("unmaps").get<std::uint64_t>() << "," << per_unmap("iotlb_invalidations") << ","
          << per_unmap("devtlb_invalidations") << "," << per_unmap("invalidation_waits") << "," << per_unmap("vm_exits")
          << "," << per_unmap("queue_lock_wait_ns") << "," << unmap.at("mean_ns").get<double>() << ","
          << unmap.at("p50_ns") << "," << unmap.at("p90_ns") << "," << unmap.at("p99_ns") << "," << unmap.at("max_ns")
          << "," << static_cast<std::uint64_t>(counter("dma_completed")) << "," << dma.at("p50_ns") << ","
          << dma.at("p99_ns") << "," << static_cast<std::uint64_t>(counter("page_faults")) << "\n";
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
