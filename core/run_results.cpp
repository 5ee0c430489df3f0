#include "core/run_results.hpp"

#include <algorithm>
#include <concepts>
#include <fstream>
#include <type_traits>

#include "core/error.hpp"

namespace svasim {

using nlohmann::json;

namespace {

// Every block's fields are listed once, in `fields`, and both the writer and the reader walk that list:
// a field added to one side is on the other.
template <class T, class U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

template <class V, Is<LatencySummary> T>
void fields(V& v, T& s) {
  v("count", s.count);
  v("mean_ns", s.mean_ns);
  v("min_ns", s.min_ns);
  v("p50_ns", s.p50_ns);
  v("p90_ns", s.p90_ns);
  v("p99_ns", s.p99_ns);
  v("p999_ns", s.p999_ns);
  v("max_ns", s.max_ns);
}

template <class V, Is<HistogramBuckets> T>
void fields(V& v, T& h) {
  v("lo_ns", h.lo_ns);
  v("hi_ns", h.hi_ns);
  v("count", h.count);
}

template <class V, Is<TimelinePoint> T>
void fields(V& v, T& p) {
  v("t_us", p.t_us);
  v("mean", p.mean);
}

template <class V, Is<QueueCounters> T>
void fields(V& v, T& c) {
  v("submissions", c.submissions);
  v("descriptors", c.descriptors);
  v("iotlb_invalidations", c.iotlb_invalidations);
  v("devtlb_invalidations", c.devtlb_invalidations);
  v("invalidation_waits", c.invalidation_waits);
  v("queue_lock_wait_ns", c.queue_lock_wait_ns);
  v("ats_inv_timeouts", c.ats_inv_timeouts);
  v("resubmissions", c.resubmissions);
  v("invalidations_failed", c.invalidations_failed);
  v("invalidations_abandoned", c.invalidations_abandoned);
  v("ring_full_waits", c.ring_full_waits);
  v("ring_wait_ns", c.ring_wait_ns);
  v("vm_exits", c.vm_exits);
  v("vm_exit_ns", c.vm_exit_ns);
  v("vm_exit_vmm_wait_ns", c.vm_exit_vmm_wait_ns);
  v("vm_exit_host_ns", c.vm_exit_host_ns);
  v("vm_exit_path_ns", c.vm_exit_path_ns);
  v("vm_emulation_ns", c.vm_emulation_ns);
  v("vm_exit_host_wait_ns", c.vm_exit_host_wait_ns);
  v("vm_host_submissions", c.vm_host_submissions);
  v("host_submissions", c.host_submissions);
  v("submission_steal_ns", c.submission_steal_ns);
  v("submission_halt_exits", c.submission_halt_exits);
  v("queue_occupancy_ns", c.queue_occupancy_ns);
  v("queue_occupancy_max", c.queue_occupancy_max);
  v("tail_writes", c.tail_writes);
}

template <class V, Is<TranslationCounters> T>
void fields(V& v, T& t) {
  v("page_translations", t.page_translations);
  v("atc_hits", t.atc_hits);
  v("atc_misses", t.atc_misses);
  v("iotlb_hits", t.iotlb_hits);
  v("iotlb_misses", t.iotlb_misses);
  v("page_walks", t.page_walks);
  v("walk_memory_reads", t.walk_memory_reads);
  v("walk_wait_ns", t.walk_wait_ns);
  v("s2_walk_reads", t.s2_walk_reads);
  v("s2_lookups", t.s2_lookups);
  v("s2_misses", t.s2_misses);
  v("pwc_pml4_hits", t.pwc_hits[0]);
  v("pwc_pml4_misses", t.pwc_misses[0]);
  v("pwc_pdpt_hits", t.pwc_hits[1]);
  v("pwc_pdpt_misses", t.pwc_misses[1]);
  v("pwc_pd_hits", t.pwc_hits[2]);
  v("pwc_pd_misses", t.pwc_misses[2]);
  v("page_faults", t.page_faults);
  v("dma_requests", t.dma_requests);
  v("dma_completed", t.dma_completed);
  v("dma_errors", t.dma_errors);
  v("dma_bytes", t.dma_bytes);
  v("stale_translation_uses", t.stale_translation_uses);
}

// The run's counters are one flat object: the queue and translation totals beside the run-wide ones.
template <class V, Is<RunCounters> T>
void fields(V& v, T& c) {
  fields(v, c.queue);
  fields(v, c.translation);
  v("unmaps", c.unmaps);
  v("unmaps_started_late", c.unmaps_started_late);
  v("unmaps_due", c.unmaps_due);
  v("unmaps_not_started", c.unmaps_not_started);
  v("unmap_threads", c.unmap_threads);
  v("unmap_threads_behind", c.unmap_threads_behind);
  v("vcpu_steal_ns", c.vcpu_steal_ns);
  v("vm_halt_exits", c.vm_halt_exits);
  v("ats_inv_requests", c.ats_inv_requests);
  v("binds", c.binds);
  v("unbinds", c.unbinds);
  v("mm_releases", c.mm_releases);
  v("domains_allocated", c.domains_allocated);
  v("domains_freed", c.domains_freed);
  v("max_live_domains", c.max_live_domains);
  v("max_live_pasids", c.max_live_pasids);
  v("flushes_of_freed_domains", c.flushes_of_freed_domains);
  v("page_request_overflows", c.page_request_overflows);
  v("prq_drain_retries", c.prq_drain_retries);
  v("domain_free_wait_ns", c.domain_free_wait_ns);
}

template <class V, Is<RunLatency> T>
void fields(V& v, T& l) {
  v("unmap", l.unmap);
  v("unmap_service", l.unmap_service);
  v("submission", l.submission);
  v("queue_lock_wait", l.queue_lock_wait);
  v("domain_lock_wait", l.domain_lock_wait);
  v("dma", l.dma);
  v("translation", l.translation);
  v("page_fault", l.page_fault);
  v("bind", l.bind);
  v("unbind", l.unbind);
  v("sva_lock_wait", l.sva_lock_wait);
  v("release", l.release);
  v("dma_service", l.dma_service);
}

template <class V, Is<DeviceResults> T>
void fields(V& v, T& d) {
  v("iommu", d.iommu);
  v("ats", d.ats);
  v("ats_inv_requests", d.ats_inv_requests);
  v("ats_inv_latency", d.ats_inv_latency);
  v("counters", d.counters);
  v("dma_latency", d.dma_latency);
  v("translation_latency", d.translation_latency);
  v("page_fault_latency", d.page_fault_latency);
  v("throughput_bytes_per_s", d.throughput_bytes_per_s);
  v("dma_service_latency", d.dma_service_latency);
}

template <class V, Is<FlowResults> T>
void fields(V& v, T& f) {
  v("stream", f.stream);
  v("device", f.device);
  v("requests", f.requests);
  v("completed", f.completed);
  v("errors", f.errors);
  v("bytes", f.bytes);
  v("throughput_bytes_per_s", f.throughput_bytes_per_s);
  v("latency", f.latency);
  v("service_latency", f.service_latency);
}

// simgrid_args is not listed: it is optional (absent when empty), which the two sides handle themselves.
template <class V, Is<RunProvenance> T>
void fields(V& v, T& p) {
  v("svasim_version", p.svasim_version);
  v("commit", p.commit);
  v("scenario_file", p.scenario_file);
  v("scenario_hash", p.scenario_hash);
  v("workload_hash", p.workload_hash);
  v("seed", p.seed);
}

template <class V, Is<RunScenario> T>
void fields(V& v, T& s) {
  v("name", s.name);
  v("profile", s.profile);
  v("domain_model", s.domain_model);
  v("flush_model", s.flush_model);
  v("queue_model", s.queue_model);
  v("arch_model", s.arch_model);
  v("environment", s.environment);
  v("guest", s.guest);
  v("iommus", s.iommus);
  v("devices", s.devices);
  v("duration_ns", s.duration_ns);
  v("simulated_ns", s.simulated_ns);
  v("platform", s.platform);
  v("warmup_ns", s.warmup_ns);
}

template <class V, Is<RunTimelines> T>
void fields(V& v, T& t) {
  v("live_domains", t.live_domains);
  v("live_pasids", t.live_pasids);
}

template <class V, Is<RunResults> T>
void fields(V& v, T& r) {
  v("provenance", r.provenance);
  v("scenario", r.scenario);
  v("params", r.params);
  v("counters", r.counters);
  v("latency", r.latency);
  v("per_iommu", r.per_iommu);
  v("per_device", r.per_device);
  v("per_flow", r.per_flow);
  v("timelines", r.timelines);
  v("histograms", r.histograms);
}

struct Writer {
  json& out;
  template <class T>
  void operator()(const char* key, const T& x) {
    out[key] = write(x);
  }
  // Numbers keep their C++ type: counters stay unsigned integers, times stay doubles.
  static json write(std::uint64_t x) { return x; }
  static json write(double x) { return x; }
  static json write(bool x) { return x; }
  static json write(const std::string& x) { return x; }
  template <class T>
  static json write(const std::vector<T>& xs) {
    json a = json::array();
    for (const T& x : xs) a.push_back(write(x));
    return a;
  }
  template <class T>
  static json write(const std::map<std::string, T>& m) {
    json o = json::object();
    for (const auto& [k, x] : m) o[k] = write(x);
    return o;
  }
  template <class T>
    requires std::is_class_v<T>
  static json write(const T& block) {
    json o = json::object();
    Writer w{o};
    fields(w, block);
    return o;
  }
};

// RFC 6901: "~" and "/" in a key (a device name) are escaped in a pointer.
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

struct Reader {
  const json& obj;
  std::string at;
  const std::string& file;

  template <class T>
  void operator()(const char* key, T& x) const {
    const std::string path = at + "/" + pointer_token(key);
    const auto it = obj.find(key);
    if (it == obj.end()) throw_results_error(file, path, "missing");
    read(*it, path, x);
  }

  [[noreturn]] void wrong(const json& j, const std::string& path, const char* expected) const {
    const std::string type = j.type_name();
    const std::string found = j.is_number() ? j.dump() : (j.is_object() || j.is_array() ? "an " : "a ") + type;
    throw_results_error(file, path, std::string("expected ") + expected + ", found " + found);
  }
  void read(const json& j, const std::string& path, std::uint64_t& x) const {
    if (!j.is_number_unsigned()) wrong(j, path, "an unsigned integer");
    x = j.get<std::uint64_t>();
  }
  void read(const json& j, const std::string& path, double& x) const {
    if (!j.is_number()) wrong(j, path, "a number");
    x = j.get<double>();
  }
  void read(const json& j, const std::string& path, bool& x) const {
    if (!j.is_boolean()) wrong(j, path, "true or false");
    x = j.get<bool>();
  }
  void read(const json& j, const std::string& path, std::string& x) const {
    if (!j.is_string()) wrong(j, path, "a string");
    x = j.get<std::string>();
  }
  template <class T>
  void read(const json& j, const std::string& path, std::vector<T>& xs) const {
    if (!j.is_array()) wrong(j, path, "an array");
    xs.assign(j.size(), T{});
    for (std::size_t i = 0; i < xs.size(); ++i) read(j[i], path + "/" + std::to_string(i), xs[i]);
  }
  template <class T>
  void read(const json& j, const std::string& path, std::map<std::string, T>& m) const {
    if (!j.is_object()) wrong(j, path, "an object");
    m.clear();
    for (const auto& [k, v] : j.items()) read(v, path + "/" + pointer_token(k), m[k]);
  }
  template <class T>
    requires std::is_class_v<T>
  void read(const json& j, const std::string& path, T& block) const {
    if (!j.is_object()) wrong(j, path, "an object");
    const Reader sub{j, path, file};
    fields(sub, block);
  }
};

// Whether a counter is about a guest's vCPUs and exits (empty on bare metal).
bool guest_only(const std::string& name) {
  return name.rfind("vm_", 0) == 0 || name.rfind("submission_steal", 0) == 0 || name.rfind("submission_halt", 0) == 0 ||
         name == "vcpu_steal_ns" || name == "host_submissions";
}

// Walks field lists into Metrics. Latency summaries expand into their statistics (metric "<key>_latency",
// or the key itself for lock waits); numbers are totals (and per unmap where `unmaps` is set and the
// counter adds up over unmaps); strings, flags and lists are not metrics.
struct Flattener {
  Flattener(std::vector<RunMetric>& o, bool a, bool g, bool pu, double u) : out(o), applies(a), guest(g), per_unmap(pu), unmaps(u) {}
  std::vector<RunMetric>& out;
  bool applies = true;      // the block applies to the run
  bool guest = false;       // the run is a guest's
  bool per_unmap = false;   // counters get a per_unmap statistic too (applying when there were unmaps)
  double unmaps = 0;
  void operator()(const char*, const std::string&) const {}
  void operator()(const char*, const bool&) const {}
  template <class T>
  void operator()(const char*, const std::vector<T>&) const {}
  void operator()(const char* key, const std::uint64_t& x) const { number(key, static_cast<double>(x)); }
  void operator()(const char* key, const double& x) const { number(key, x); }
  void operator()(const char* key, const LatencySummary& l) const {
    const std::string k = key;
    const bool wait = k.size() > 5 && k.compare(k.size() - 5, 5, "_wait") == 0;
    const std::string metric = wait || k.find("latency") != std::string::npos ? k : k + "_latency";
    Flattener f{out, applies, guest, false, 0};
    f.metric_prefix = metric;
    f.summary_count = l.count;
    fields(f, l);
  }
  void operator()(const char*, const TranslationCounters& t) const { fields(*this, t); }
  std::string metric_prefix = {};  // inside a latency summary: its metric
  std::uint64_t summary_count = 0;

  void number(const std::string& key, double x) const {
    if (!metric_prefix.empty()) {  // a summary's statistic: quantiles of nothing do not apply
      out.push_back({metric_prefix, key, x, applies && (key == "count" || summary_count > 0)});
      return;
    }
    const bool ok = applies && (guest || !guest_only(key));
    out.push_back({key, "total", x, ok});
    if (per_unmap && key.rfind("queue_occupancy", 0) != 0)
      out.push_back({key, "per_unmap", unmaps > 0 ? x / unmaps : 0.0, ok && unmaps > 0});
  }
};

}  // namespace

std::vector<RunMetric> metrics_of(const QueueCounters& q, bool guest) {
  std::vector<RunMetric> out;
  Flattener f{out, true, guest, false, 0};
  fields(f, q);
  return out;
}

std::vector<RunMetric> metrics_of(const DeviceResults& d) {
  std::vector<RunMetric> out;
  Flattener f{out, true, false, false, 0};
  fields(f, d);
  // DMA figures apply to a device that carried DMA; the ATS invalidation figures to every device.
  const bool dma = d.counters.dma_requests > 0;
  for (RunMetric& m : out)
    if (m.metric != "ats_inv_requests" && m.metric != "ats_inv_latency") m.applies = m.applies && dma;
  return out;
}

std::vector<RunMetric> metrics_of(const RunResults& r) {
  std::vector<RunMetric> out;
  const double unmaps = static_cast<double>(r.counters.unmaps);
  // The queue and run-wide counters (per unmap too), then the translation path's (DMA only).
  Flattener counters{out, true, r.in_guest(), true, unmaps};
  fields(counters, r.counters.queue);
  RunCounters rest = r.counters;
  Flattener run_wide{out, true, r.in_guest(), false, 0};
  const std::size_t before = out.size();
  fields(run_wide, rest);  // the whole block again: keep only what the two blocks above did not list
  std::vector<RunMetric> mine(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
  out.resize(before);
  std::vector<RunMetric> queue_names;
  Flattener names{queue_names, true, true, false, 0};
  fields(names, r.counters.queue);
  fields(names, r.counters.translation);
  for (const RunMetric& m : mine) {
    const bool listed = std::any_of(queue_names.begin(), queue_names.end(), [&](const RunMetric& q) { return q.metric == m.metric; });
    if (listed) continue;
    out.push_back(m);
    const bool per_unmap = m.metric == "ats_inv_requests" || m.metric == "vcpu_steal_ns" || m.metric == "vm_halt_exits";
    if (per_unmap) out.push_back({m.metric, "per_unmap", unmaps > 0 ? m.value / unmaps : 0.0, m.applies && unmaps > 0});
  }
  Flattener dma{out, r.has_dma(), r.in_guest(), false, 0};
  fields(dma, r.counters.translation);
  Flattener lat{out, true, r.in_guest(), false, 0};
  fields(lat, r.latency);
  for (RunMetric& m : out)
    if (m.metric == "dma_latency" || m.metric == "dma_service_latency" || m.metric == "translation_latency" ||
        m.metric == "page_fault_latency")
      m.applies = m.applies && r.has_dma();
  const double occupancy = r.scenario.simulated_ns > 0 ? r.counters.queue.queue_occupancy_ns / r.scenario.simulated_ns : 0;
  out.push_back({"unmaps_offered_per_ms", "total", r.offered_unmaps_per_ms(), r.counters.unmaps_due > 0});
  out.push_back({"unmaps_achieved_per_ms", "total", r.achieved_unmaps_per_ms(), r.counters.unmaps_due > 0});
  out.push_back({"saturated", "total", r.saturated() ? 1.0 : 0.0, r.counters.unmaps_due > 0});
  out.push_back({"queue_occupancy_mean", "total", occupancy, true});
  return out;
}

void throw_results_error(const std::string& file, const std::string& path, const std::string& message) {
  throw InputError(path, file + ": " + (path.empty() ? "(document)" : path) + ": " + message);
}

json RunResults::to_json() const {
  json r = Writer::write(*this);
  r["format"] = kResultsFormat;
  r["format_version"] = kResultsFormatVersion;
  if (!provenance.simgrid_args.empty()) r["provenance"]["simgrid_args"] = provenance.simgrid_args;
  return r;
}

RunResults RunResults::from_json(const json& j, const std::string& file, const std::string& at) {
  const Reader top{j, at, file};
  if (!j.is_object()) top.wrong(j, at, "an object");
  // The format first: a file of another kind or version is refused as a whole, not field by field.
  std::string format;
  top("format", format);
  if (format != kResultsFormat) throw_results_error(file, at + "/format", "not an svasim results file (\"" + format + "\")");
  const auto v = j.find("format_version");
  if (v == j.end()) throw_results_error(file, at + "/format_version", "missing");
  if (!v->is_number_integer() || v->get<std::int64_t>() != kResultsFormatVersion)
    throw_results_error(file, at + "/format_version",
                        "results format version " + v->dump() + "; this svasim reads version " +
                            std::to_string(kResultsFormatVersion));
  RunResults r;
  top.read(j, at, r);
  // Every reader indexes the three bucket arrays together: they must agree.
  for (const auto& [name, h] : r.histograms) {
    if (h.lo_ns.size() != h.count.size() || h.hi_ns.size() != h.count.size())
      throw_results_error(file, at + "/histograms/" + name, "lo_ns, hi_ns and count differ in length");
    for (std::size_t i = 0; i < h.count.size(); ++i)
      if (h.lo_ns[i] > h.hi_ns[i] || (i > 0 && h.lo_ns[i] <= h.hi_ns[i - 1]))
        throw_results_error(file, at + "/histograms/" + name + "/lo_ns/" + std::to_string(i),
                            "buckets out of order or overlapping");
  }
  const json& pv = j.at("provenance");
  if (pv.contains("simgrid_args")) top.read(pv["simgrid_args"], at + "/provenance/simgrid_args", r.provenance.simgrid_args);
  return r;
}

RunResults read_results_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw_results_error(file, "", "cannot open the file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw_results_error(file, "", std::string("not JSON: ") + e.what());
  }
  return RunResults::from_json(j, file);
}

std::string RunResults::label() const {
  return scenario.profile.empty() ? scenario.domain_model + "+" + scenario.flush_model : scenario.profile;
}

LatencySummary summary_of(const Histogram& h) {
  LatencySummary s;
  Reader{json::object(), "", "(histogram)"}.read(h.to_json(), "", s);
  return s;
}

HistogramBuckets buckets_of(const Histogram& h) {
  HistogramBuckets out;
  for (const Histogram::Bucket& b : h.buckets()) {
    out.lo_ns.push_back(b.lo_ns);
    out.hi_ns.push_back(b.hi_ns);
    out.count.push_back(b.count);
  }
  return out;
}

std::vector<TimelinePoint> points_of(const Timeline& t) {
  std::vector<TimelinePoint> out;
  Reader{json::object(), "", "(timeline)"}.read(t.to_json(), "", out);
  return out;
}

}  // namespace svasim
