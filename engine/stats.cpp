#include "engine/stats.hpp"

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
  vm_exit_ns += o.vm_exit_ns;
}

void TranslationCounters::add(const TranslationCounters& o) {
  page_translations += o.page_translations;
  atc_hits += o.atc_hits;
  atc_misses += o.atc_misses;
  iotlb_hits += o.iotlb_hits;
  iotlb_misses += o.iotlb_misses;
  page_walks += o.page_walks;
  walk_memory_reads += o.walk_memory_reads;
  page_faults += o.page_faults;
  dma_requests += o.dma_requests;
  dma_completed += o.dma_completed;
  dma_errors += o.dma_errors;
  dma_bytes += o.dma_bytes;
  stale_translation_uses += o.stale_translation_uses;
}

}  // namespace svasim
