#include "analysis/table.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace svasim {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string pad(const std::string& s, std::size_t w, bool left = false) {
  if (s.size() >= w) return s;
  return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

// The counters shown in total and per unmap, in this order.
struct Counter {
  const char* name;
  std::uint64_t (*total)(const RunResults& r);
};
const Counter kCounters[] = {
    {"iotlb_invalidations", [](const RunResults& r) { return r.counters.queue.iotlb_invalidations; }},
    {"devtlb_invalidations", [](const RunResults& r) { return r.counters.queue.devtlb_invalidations; }},
    {"invalidation_waits", [](const RunResults& r) { return r.counters.queue.invalidation_waits; }},
    {"submissions", [](const RunResults& r) { return r.counters.queue.submissions; }},
    {"descriptors", [](const RunResults& r) { return r.counters.queue.descriptors; }},
    {"ats_inv_requests", [](const RunResults& r) { return r.counters.ats_inv_requests; }},
    {"tail_writes", [](const RunResults& r) { return r.counters.queue.tail_writes; }},
};

// The latency columns: mean and quantiles of one summary.
// q: the quantile's rank, 0 for the mean and the maximum (never marked as resting on few samples).
struct Quantile {
  const char* name;
  double q;
  double (*of)(const LatencySummary& h);
};
const Quantile kQuantiles[] = {
    {"mean", 0, [](const LatencySummary& h) { return h.mean_ns; }},
    {"p50", 0.5, [](const LatencySummary& h) { return static_cast<double>(h.p50_ns); }},
    {"p90", 0.9, [](const LatencySummary& h) { return static_cast<double>(h.p90_ns); }},
    {"p99", 0.99, [](const LatencySummary& h) { return static_cast<double>(h.p99_ns); }},
    {"p99.9", 0.999, [](const LatencySummary& h) { return static_cast<double>(h.p999_ns); }},
    {"max", 0, [](const LatencySummary& h) { return static_cast<double>(h.max_ns); }},
};

// A quantile resting on fewer than ten samples above it is marked "~" (a footnote says so).
constexpr const char* kFewSamplesNote =
    "~ fewer than ten samples above this quantile: close to the maximum of a few, not a tail estimate\n";
bool few_samples(double q, const LatencySummary& h) { return q > 0 && h.count > 0 && few_samples_for(q, h.count); }

std::string latency_row(const std::string& name, const LatencySummary& h, bool& marked) {
  std::string row = pad(name, 18, true) + pad(std::to_string(h.count), 9);
  for (const Quantile& q : kQuantiles) {
    const bool few = few_samples(q.q, h);
    marked |= few;
    row += pad((few ? "~" : "") + fmt("%.0f", q.of(h)), 10);
  }
  return row + "\n";
}

// "-" when nothing was looked up: a rate of nothing is not 0 %.
std::string hit_rate(double hits, double misses, const char* f) {
  return hits + misses > 0 ? fmt(f, 100.0 * hits / (hits + misses)) : std::string("-");
}

std::string u(std::uint64_t v) { return std::to_string(v); }

void translation_section(std::ostringstream& o, const RunResults& r, bool& marked) {
  const TranslationCounters& c = r.counters.translation;
  o << latency_row("dma (from due)", r.latency.dma, marked);
  o << latency_row("dma service", r.latency.dma_service, marked);
  o << latency_row("translation", r.latency.translation, marked);
  o << latency_row("page fault", r.latency.page_fault, marked);
  const double walks = static_cast<double>(c.page_walks);
  o << "\ntranslation path: " << c.page_translations << " page translations, ATC hit rate "
    << hit_rate(static_cast<double>(c.atc_hits), static_cast<double>(c.atc_misses), "%.1f %%") << ", IOTLB hit rate "
    << hit_rate(static_cast<double>(c.iotlb_hits), static_cast<double>(c.iotlb_misses), "%.1f %%") << ", " << c.page_walks
    << " walks (" << fmt("%.2f", walks > 0 ? static_cast<double>(c.walk_memory_reads) / walks : 0.0) << " reads each, "
    << fmt("%.0f", walks > 0 ? c.walk_wait_ns / walks : 0.0) << " ns waiting for a walker), "
    << c.page_faults << " page faults, " << c.dma_errors << " DMA errors, " << c.stale_translation_uses
    << " stale translation uses\n";
  if (c.page_walks > 0) {
    o << "walk caches (hit rate of the lookups each level got): PDE "
      << hit_rate(static_cast<double>(c.pwc_hits[2]), static_cast<double>(c.pwc_misses[2]), "%.1f %%") << ", PDPTE "
      << hit_rate(static_cast<double>(c.pwc_hits[1]), static_cast<double>(c.pwc_misses[1]), "%.1f %%") << ", PML4E "
      << hit_rate(static_cast<double>(c.pwc_hits[0]), static_cast<double>(c.pwc_misses[0]), "%.1f %%") << "\n";
  }
  if (c.s2_lookups > 0)
    o << "second stage (nested): " << c.s2_walk_reads << " of the walks' reads, leaf cache hit rate "
      << hit_rate(static_cast<double>(c.s2_lookups - c.s2_misses), static_cast<double>(c.s2_misses), "%.1f %%") << "\n";
  o << "\n" << pad("per device", 12, true) << pad("requests", 10) << pad("GB/s", 8) << pad("dma p50", 10)
    << pad("dma p99", 10) << pad("ATC hit", 9) << pad("faults", 8) << "\n";
  for (const auto& [name, d] : r.per_device) {
    const TranslationCounters& dc = d.counters;
    if (dc.dma_requests == 0) continue;
    o << pad(name, 12, true) << pad(u(dc.dma_requests), 10) << pad(fmt("%.2f", d.throughput_bytes_per_s / 1e9), 8)
      << pad(u(d.dma_latency.p50_ns), 10) << pad(u(d.dma_latency.p99_ns), 10)
      << pad(hit_rate(static_cast<double>(dc.atc_hits), static_cast<double>(dc.atc_misses), "%.1f%%"), 9)
      << pad(u(dc.page_faults), 8) << "\n";
  }
  // Flows: only when some device carries more than one stream (its rings), else they repeat the devices.
  if (r.per_flow.size() > 1) {
    std::map<std::string, int> flows_of;
    for (const FlowResults& f : r.per_flow) ++flows_of[f.device];
    if (std::any_of(flows_of.begin(), flows_of.end(), [](const auto& kv) { return kv.second > 1; })) {
      o << "\n" << pad("per flow", 12, true) << pad("stream", 8) << pad("requests", 10) << pad("GB/s", 8) << pad("p50", 10)
        << pad("p99", 10) << pad("service p99", 13) << "\n";
      for (const FlowResults& f : r.per_flow)
        o << pad(f.device, 12, true) << pad(u(f.stream), 8) << pad(u(f.requests), 10)
          << pad(fmt("%.2f", f.throughput_bytes_per_s / 1e9), 8) << pad(u(f.latency.p50_ns), 10) << pad(u(f.latency.p99_ns), 10)
          << pad(u(f.service_latency.p99_ns), 13) << "\n";
    }
  }
}

}  // namespace

std::string load_line(const RunResults& r) {
  const RunCounters& c = r.counters;
  if (c.unmaps_due == 0) return "";
  std::string line = "offered " + fmt("%.3g", r.offered_unmaps_per_ms()) + " unmaps/ms (" + u(c.unmaps_due) +
                     " due), achieved " + fmt("%.3g", r.achieved_unmaps_per_ms()) + " (" + u(c.unmaps) + " begun: " +
                     u(c.unmaps_started_late) + " late, " + u(c.unmaps_not_started) + " never begun)\n";
  if (r.saturated())
    line += "SATURATED: " + u(c.unmap_threads_behind) + " of " + u(c.unmap_threads) +
            " unmap threads fell behind their arrivals (a backlog unemptied for the run's last quarter or more); latency is from "
            "when each unmap was due and "
            "grows with the run's length\n";
  return line;
}

std::string format_run(const RunResults& r) {
  std::ostringstream o;
  const RunScenario& sc = r.scenario;
  const RunCounters& c = r.counters;
  const QueueCounters& q = c.queue;
  o << "svasim " << r.provenance.svasim_version << " (" << r.provenance.commit << ")  " << sc.name << "  profile "
    << r.label() << " (domain " << sc.domain_model << ", flush " << sc.flush_model << ") on " << sc.environment << "\n";
  o << sc.iommus << " IOMMU(s), " << sc.devices << " device(s), seed " << r.provenance.seed << ", simulated "
    << fmt("%.3f", sc.simulated_ns / 1e6) << " ms, " << c.unmaps << " unmaps\n";
  o << load_line(r) << "\n";

  o << pad("counter", 24, true) << pad("total", 12) << pad("per unmap", 12) << "\n";
  for (const Counter& k : kCounters)
    o << pad(k.name, 24, true) << pad(u(k.total(r)), 12)
      << pad(fmt("%.2f", r.per_unmap(static_cast<double>(k.total(r)))), 12) << "\n";
  o << pad("queue_lock_wait_ns", 24, true) << pad(fmt("%.0f", q.queue_lock_wait_ns), 12)
    << pad(fmt("%.1f", r.per_unmap(q.queue_lock_wait_ns)), 12) << "\n";
  if (q.vm_exits > 0) {
    o << pad("vm_exits", 24, true) << pad(u(q.vm_exits), 12)
      << pad(fmt("%.2f", r.per_unmap(static_cast<double>(q.vm_exits))), 12) << "\n";
    o << pad("vm_exit_ns", 24, true) << pad(fmt("%.0f", q.vm_exit_ns), 12)
      << pad(fmt("%.0f", r.per_unmap(q.vm_exit_ns)), 12) << "\n";
    auto part = [&](const char* name, double ns) {
      o << pad(name, 24, true) << pad(fmt("%.0f", ns), 12) << pad(fmt("%.0f", r.per_unmap(ns)), 12) << "\n";
    };
    part("  exit_path_ns", q.vm_exit_path_ns);
    part("  vmm_wait_ns", q.vm_exit_vmm_wait_ns);
    part("  emulation_ns", q.vm_emulation_ns);
    part("  host_ns", q.vm_exit_host_ns);
    part("    host_wait_ns", q.vm_exit_host_wait_ns);
    if (q.vm_host_submissions > 0)
      o << pad("vm_host_submissions", 24, true) << pad(u(q.vm_host_submissions), 12)
        << pad(fmt("%.2f", r.per_unmap(static_cast<double>(q.vm_host_submissions))), 12) << "\n";
  }
  // vCPUs sharing host CPUs (vm.host_cpus): steal time, in the submissions and over the run, and halts.
  if (c.vcpu_steal_ns > 0 || c.vm_halt_exits > 0) {
    o << pad("submission_steal_ns", 24, true) << pad(fmt("%.0f", q.submission_steal_ns), 12)
      << pad(fmt("%.0f", r.per_unmap(q.submission_steal_ns)), 12) << "\n";
    o << pad("vcpu_steal_ns", 24, true) << pad(fmt("%.0f", c.vcpu_steal_ns), 12)
      << pad(fmt("%.0f", r.per_unmap(c.vcpu_steal_ns)), 12) << "\n";
    o << pad("vm_halt_exits", 24, true) << pad(u(c.vm_halt_exits), 12)
      << pad(fmt("%.2f", r.per_unmap(static_cast<double>(c.vm_halt_exits))), 12) << "\n";
  }
  if (q.queue_occupancy_max > 0 && sc.simulated_ns > 0)
    o << pad("queue_occupancy", 24, true) << pad(fmt("%.3f", q.queue_occupancy_ns / sc.simulated_ns), 12)
      << pad("max " + u(q.queue_occupancy_max), 12) << "\n";
  o << "\n";

  o << pad("latency (ns)", 18, true) << pad("count", 9);
  for (const Quantile& k : kQuantiles) o << pad(k.name, 10);
  o << "\n";
  bool marked = false;
  o << latency_row("unmap (from due)", r.latency.unmap, marked);
  o << latency_row("unmap service", r.latency.unmap_service, marked);
  o << latency_row("submission", r.latency.submission, marked);
  o << latency_row("queue lock wait", r.latency.queue_lock_wait, marked);
  if (r.latency.domain_lock_wait.count > 0) o << latency_row("domain lock wait", r.latency.domain_lock_wait, marked);
  const bool lifecycle = c.binds + c.unbinds + c.mm_releases > 0;
  if (c.binds + c.unbinds > 0) {
    o << latency_row("bind", r.latency.bind, marked);
    o << latency_row("unbind", r.latency.unbind, marked);
    if (r.latency.sva_lock_wait.max_ns > 0) o << latency_row("iommu_sva_lock wait", r.latency.sva_lock_wait, marked);
  }
  if (r.latency.release.count > 0) o << latency_row("mm release (exit)", r.latency.release, marked);
  if (r.has_dma()) translation_section(o, r, marked);
  if (marked) o << kFewSamplesNote;

  if (q.ats_inv_timeouts + q.ring_full_waits > 0)
    o << "\nfaults: " << q.ats_inv_timeouts << " invalidation time-outs, " << q.resubmissions << " resubmissions, "
      << q.invalidations_failed << " failed (device gone or no retry), " << q.invalidations_abandoned
      << " abandoned at the end (still spinning); " << q.ring_full_waits << " waits for ring slots\n";
  if (lifecycle)
    o << "\nlifecycle: " << c.binds << " binds, " << c.unbinds << " unbinds, " << c.domains_allocated
      << " domains allocated, " << c.domains_freed << " freed, " << c.mm_releases << " process exits, at most " << c.max_live_domains << " live domains and "
      << c.max_live_pasids << " live PASIDs\n";
  if (r.per_iommu.size() > 1) {
    o << "\n" << pad("per IOMMU", 12, true) << pad("submissions", 13) << pad("iotlb", 10) << pad("devtlb", 10)
      << pad("waits", 10) << pad("lock_wait_ns", 14) << "\n";
    for (const auto& [name, ic] : r.per_iommu)
      o << pad(name, 12, true) << pad(u(ic.submissions), 13) << pad(u(ic.iotlb_invalidations), 10)
        << pad(u(ic.devtlb_invalidations), 10) << pad(u(ic.invalidation_waits), 10)
        << pad(fmt("%.0f", ic.queue_lock_wait_ns), 14) << "\n";
  }
  return o.str();
}

std::string format_comparison(const std::vector<RunResults>& runs, const std::vector<std::string>& labels) {
  if (runs.empty()) return "";
  std::ostringstream o;
  for (const RunResults& r : runs)
    if (r.saturated())
      o << "SATURATED: " << r.label() << " fell behind its arrivals (" << r.counters.unmaps_not_started << " of "
        << r.counters.unmaps_due << " due unmaps never begun); its latency grows with the run's length\n";
  const std::size_t w = 20;
  o << pad("per unmap", 26, true);
  for (std::size_t i = 0; i < runs.size(); ++i) o << " " << pad(i < labels.size() ? labels[i] : runs[i].label(), w - 1);
  for (std::size_t i = 1; i < runs.size(); ++i) o << pad(i == 1 ? "ratio to first" : "", i == 1 ? 16 : 10);
  o << "\n";
  const auto never = [](const RunResults&) { return false; };
  bool marked = false;
  // `few`: which run's value is a quantile resting on few samples (marked "~").
  auto row = [&](const std::string& name, auto value, const char* f, auto few) {
    o << pad(name, 26, true);
    for (const auto& r : runs) {
      const bool mark = few(r);
      marked |= mark;
      o << pad((mark ? "~" : "") + fmt(f, value(r)), w);
    }
    // One ratio column per run after the first, so any number of profiles stays aligned.
    const double first = value(runs.front());
    for (std::size_t i = 1; i < runs.size(); ++i)
      o << pad(first > 0 ? fmt("%.2fx", value(runs[i]) / first) : std::string("-"), i == 1 ? 16 : 10);
    o << "\n";
  };
  for (const Counter& k : kCounters)
    row(k.name, [&k](const RunResults& r) { return r.per_unmap(static_cast<double>(k.total(r))); }, "%.2f", never);
  row("queue_lock_wait_ns", [](const RunResults& r) { return r.per_unmap(r.counters.queue.queue_lock_wait_ns); }, "%.1f", never);
  bool guests = false;
  for (const auto& r : runs) guests |= r.counters.queue.vm_exits > 0;
  if (guests) {
    row("vm_exits", [](const RunResults& r) { return r.per_unmap(static_cast<double>(r.counters.queue.vm_exits)); }, "%.2f", never);
    row("vm_exit_ns", [](const RunResults& r) { return r.per_unmap(r.counters.queue.vm_exit_ns); }, "%.0f", never);
    row("vmm_wait_ns", [](const RunResults& r) { return r.per_unmap(r.counters.queue.vm_exit_vmm_wait_ns); }, "%.0f", never);
    row("vcpu_steal_ns", [](const RunResults& r) { return r.per_unmap(r.counters.vcpu_steal_ns); }, "%.0f", never);
  }
  for (const Quantile& k : kQuantiles)
    row(std::string("unmap latency ") + k.name + " (ns)", [&k](const RunResults& r) { return k.of(r.latency.unmap); }, "%.0f",
        [&k](const RunResults& r) { return few_samples(k.q, r.latency.unmap); });
  row("unmap service p50 (ns)", [](const RunResults& r) { return static_cast<double>(r.latency.unmap_service.p50_ns); }, "%.0f",
      [](const RunResults& r) { return few_samples(0.5, r.latency.unmap_service); });
  row("unmap service p99 (ns)", [](const RunResults& r) { return static_cast<double>(r.latency.unmap_service.p99_ns); }, "%.0f",
      [](const RunResults& r) { return few_samples(0.99, r.latency.unmap_service); });
  row("unmaps achieved/ms", [](const RunResults& r) { return r.achieved_unmaps_per_ms(); }, "%.3g", never);
  row("unmaps never begun", [](const RunResults& r) { return static_cast<double>(r.counters.unmaps_not_started); }, "%.0f", never);
  if (runs.front().has_dma()) {
    row("dma latency p50 (ns)", [](const RunResults& r) { return static_cast<double>(r.latency.dma.p50_ns); }, "%.0f",
        [](const RunResults& r) { return few_samples(0.5, r.latency.dma); });
    row("dma latency p99 (ns)", [](const RunResults& r) { return static_cast<double>(r.latency.dma.p99_ns); }, "%.0f",
        [](const RunResults& r) { return few_samples(0.99, r.latency.dma); });
    row("page_faults (total)", [](const RunResults& r) { return static_cast<double>(r.counters.translation.page_faults); }, "%.0f", never);
    row("atc_misses (total)", [](const RunResults& r) { return static_cast<double>(r.counters.translation.atc_misses); }, "%.0f", never);
    row("iotlb_misses (total)", [](const RunResults& r) { return static_cast<double>(r.counters.translation.iotlb_misses); }, "%.0f", never);
  }
  if (marked) o << kFewSamplesNote;
  return o.str();
}

}  // namespace svasim
