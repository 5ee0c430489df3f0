#include "core/results.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/random.hpp"
#include "svasim/version.hpp"

#include <unistd.h>

namespace svasim {

using nlohmann::json;

namespace {

// Bytes moved over the measured period: from the first request issued (or the warm-up's end) to the
// last completion, counting every request that completed in it.
// A flow that starts after the warm-up counts from its first request; one whose every counted request
// was due in the warm-up (an overloaded open loop) from the warm-up's end.
double throughput(std::uint64_t bytes, double first_issue_ns, double last_completion_ns, double warmup_ns) {
  double start = first_issue_ns;
  if (warmup_ns > 0) start = first_issue_ns >= 0 ? std::max(warmup_ns, first_issue_ns) : warmup_ns;
  const double span = last_completion_ns - start;
  return start >= 0 && bytes > 0 && span > 0 ? static_cast<double>(bytes) / (span * 1e-9) : 0.0;
}

}  // namespace

RunResults results_of(const Scenario& s, const Stats& st) {
  RunResults r;
  r.provenance = {kVersion, kCommit, s.file, s.hash, s.workload_hash, s.seed, {}};
  r.scenario = {s.name,        s.profile,
                s.domain_model, s.flush_model,
                s.queue_model,  s.environment,
                s.topology.iommus().size(), s.topology.devices().size(),
                s.duration_ns,  st.simulated_ns,
                st.guest,       s.arch_model,
                s.platform,     s.warmup_ns};
  r.params = s.params.values();

  RunCounters& c = r.counters;
  c.queue = st.total;
  c.translation = st.dma;
  c.unmaps = st.unmaps;
  c.unmaps_started_late = st.unmaps_started_late;
  c.unmaps_due = st.unmaps_due;
  c.unmaps_not_started = st.unmaps_not_started;
  c.unmap_threads = st.unmap_threads;
  c.unmap_threads_behind = st.unmap_threads_behind;
  c.vcpu_steal_ns = st.vcpu_steal_ns;
  c.vm_halt_exits = st.vm_halt_exits;
  for (const auto& d : st.per_device) c.ats_inv_requests += d.ats_inv_requests;
  c.binds = st.binds;
  c.unbinds = st.unbinds;
  c.mm_releases = st.mm_releases;
  c.domains_allocated = st.domains_allocated;
  c.domains_freed = st.domains_freed;
  c.max_live_domains = st.max_live_domains;
  c.max_live_pasids = st.max_live_pasids;
  c.flushes_of_freed_domains = st.flushes_of_freed_domains;
  c.page_request_overflows = st.page_request_overflows;
  c.prq_drain_retries = st.prq_drain_retries;
  c.domain_free_wait_ns = st.domain_free_wait_ns;

  r.latency = {summary_of(st.unmap_service_latency), summary_of(st.unmap_latency),      summary_of(st.submission_latency), summary_of(st.queue_lock_wait),
               summary_of(st.domain_lock_wait),   summary_of(st.dma_latency),        summary_of(st.translation_latency),
               summary_of(st.page_fault_latency), summary_of(st.bind_latency),       summary_of(st.unbind_latency),
               summary_of(st.sva_lock_wait),      summary_of(st.release_latency), summary_of(st.dma_service_latency)};

  for (std::size_t i = 0; i < st.per_iommu.size(); ++i)
    r.per_iommu[s.topology.node(s.topology.iommus()[i]).name] = st.per_iommu[i];
  r.timelines = {points_of(st.live_domains), points_of(st.live_pasids)};
  r.histograms = {{"unmap", buckets_of(st.unmap_latency)},
                  {"unmap_service", buckets_of(st.unmap_service_latency)},
                  {"submission", buckets_of(st.submission_latency)},
                  {"dma", buckets_of(st.dma_latency)},
                  {"dma_service", buckets_of(st.dma_service_latency)}};
  for (std::size_t d = 0; d < st.per_device.size(); ++d) {
    const Node& n = s.topology.node(s.topology.devices()[d]);
    const DeviceStats& ds = st.per_device[d];
    r.per_device[n.name] = {s.topology.node(s.topology.iommus()[s.topology.iommu_of_device(static_cast<int>(d))]).name,
                            n.caps.ats,
                            ds.ats_inv_requests,
                            summary_of(ds.ats_inv_latency),
                            ds.dma,
                            summary_of(ds.dma_latency),
                            summary_of(ds.translation_latency),
                            summary_of(ds.page_fault_latency),
                            throughput(ds.window_bytes, ds.first_issue_ns, ds.last_completion_ns, s.warmup_ns),
                            summary_of(ds.dma_service_latency)};
  }
  for (const FlowStats& f : st.flows) {
    r.per_flow.push_back({static_cast<std::uint64_t>(f.stream), s.topology.node(s.topology.devices()[static_cast<std::size_t>(f.device)]).name,
                          f.requests, f.completed, f.errors, f.bytes,
                          throughput(f.window_bytes, f.first_issue_ns, f.last_completion_ns, s.warmup_ns),
                          summary_of(f.latency), summary_of(f.service_latency)});
  }
  return r;
}

std::string scenario_hash_with(const Scenario& s, const std::vector<std::string>& simgrid_args) {
  if (simgrid_args.empty()) return s.hash;
  std::string all = s.effective.dump();
  for (const auto& a : simgrid_args) all += "\n" + a;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(all)));
  return std::string("fnv1a64:") + buf;
}

json make_results(const Scenario& s, const Stats& st) { return results_of(s, st).to_json(); }

void check_output_file(const std::string& path, const std::string& option) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) throw InputError(option, path + ": no directory " + dir.string());
  if (access(dir.c_str(), W_OK) != 0) throw InputError(option, path + ": directory " + dir.string() + " is not writable");
  const auto st = fs::status(target, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw InputError(option, path + ": exists and is not a regular file");
}

void check_output_directory(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw InputError("-o", path + ": with several profiles -o names a directory, and this is a file");
  // Not there yet, but named like a results file: the user meant one file, which several runs cannot be.
  if (!fs::exists(st) && fs::path(path).extension() == ".json")
    throw InputError("-o", path + ": with several profiles -o names a directory receiving PROFILE.json for each; this "
                               "is named like a file (run one profile, or give a directory)");
  const fs::path parent = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::exists(st) && !fs::is_directory(parent, ec)) throw InputError("-o", path + ": no directory " + parent.string());
}

void write_text_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path tmp = target.string() + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot write " + path);
  }
}

void write_json_atomically(const std::string& path, const json& j) { write_text_atomically(path, j.dump(2) + '\n'); }

}  // namespace svasim
