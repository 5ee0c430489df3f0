#include "core/stats.hpp"

#include <algorithm>

#include <stdexcept>

namespace svasim {

void QueueCounters::add(const QueueCounters& o) {
  submissions += o.submissions;
  descriptors += o.descriptors;
  iotlb_invalidations += o.iotlb_invalidations;
  devtlb_invalidations += o.devtlb_invalidations;
  invalidation_waits += o.invalidation_waits;
  queue_lock_wait_ns += o.queue_lock_wait_ns;
  ats_inv_timeouts += o.ats_inv_timeouts;
  resubmissions += o.resubmissions;
  invalidations_failed += o.invalidations_failed;
  invalidations_abandoned += o.invalidations_abandoned;
  ring_full_waits += o.ring_full_waits;
  ring_wait_ns += o.ring_wait_ns;
  vm_exits += o.vm_exits;
  tail_writes += o.tail_writes;
  vm_exit_ns += o.vm_exit_ns;
  vm_exit_vmm_wait_ns += o.vm_exit_vmm_wait_ns;
  vm_exit_host_ns += o.vm_exit_host_ns;
  vm_exit_path_ns += o.vm_exit_path_ns;
  vm_emulation_ns += o.vm_emulation_ns;
  vm_exit_host_wait_ns += o.vm_exit_host_wait_ns;
  vm_host_submissions += o.vm_host_submissions;
  host_submissions += o.host_submissions;
  submission_steal_ns += o.submission_steal_ns;
  submission_halt_exits += o.submission_halt_exits;
  queue_occupancy_ns += o.queue_occupancy_ns;
  queue_occupancy_max = std::max(queue_occupancy_max, o.queue_occupancy_max);
}

void TranslationCounters::add(const TranslationCounters& o) {
  page_translations += o.page_translations;
  atc_hits += o.atc_hits;
  atc_misses += o.atc_misses;
  iotlb_hits += o.iotlb_hits;
  iotlb_misses += o.iotlb_misses;
  page_walks += o.page_walks;
  walk_memory_reads += o.walk_memory_reads;
  walk_wait_ns += o.walk_wait_ns;
  s2_walk_reads += o.s2_walk_reads;
  s2_lookups += o.s2_lookups;
  s2_misses += o.s2_misses;
  for (int l = 0; l < 3; ++l) {
    pwc_hits[l] += o.pwc_hits[l];
    pwc_misses[l] += o.pwc_misses[l];
  }
  page_faults += o.page_faults;
  dma_requests += o.dma_requests;
  dma_completed += o.dma_completed;
  dma_errors += o.dma_errors;
  dma_bytes += o.dma_bytes;
  stale_translation_uses += o.stale_translation_uses;
}

void Timeline::set(double t_ns, double value) {
  // Spread value_ over [last_, t_ns) across the buckets it covers; time past the last bucket (work
  // finishing after the duration) counts in the last one.
  double a = last_;
  while (a < t_ns) {
    const std::size_t b = std::min<std::size_t>(static_cast<std::size_t>(a / span_), kBuckets - 1);
    const double bucket_end = b == kBuckets - 1 ? t_ns : std::min(t_ns, (static_cast<double>(b) + 1) * span_);
    area_[b] += value_ * (bucket_end - a);
    if (bucket_end <= a) break;
    a = bucket_end;
  }
  last_ = std::max(last_, t_ns);
  value_ = value;
}

nlohmann::json Timeline::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t b = 0; b < kBuckets; ++b)
    out.push_back({{"t_us", static_cast<double>(b) * span_ / 1000.0}, {"mean", area_[b] / span_}});
  return out;
}

FlowStats& Stats::flow(int stream, int device) {
  for (FlowStats& f : flows)
    if (f.stream == stream && f.device == device) return f;
  throw std::logic_error("no flow for DMA stream " + std::to_string(stream) + " on device " + std::to_string(device));
}

}  // namespace svasim
