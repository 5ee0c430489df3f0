#include "engine/invariants.hpp"

#include <algorithm>

#include "engine/world.hpp"

namespace svasim {

std::vector<std::string> broken_invariants(const World& w) {
  std::vector<std::string> out;
  auto fail = [&](const std::string& name, const std::string& detail) { out.push_back(name + ": " + detail); };
  const int ring = static_cast<int>(w.scenario.params.get_int("vtd.qi_ring_entries"));
  // Invalidations still pending when the run ended: a CPU retrying, or an IOMMU working on commands their
  // CPU stopped waiting for.
  std::uint64_t abandoned = 0;
  for (const auto& c : w.stats.per_iommu) abandoned += c.invalidations_abandoned;
  for (const IommuState& q : w.iommus) abandoned += q.orphans.size();
  for (std::size_t i = 0; i < w.iommus.size(); ++i) {
    const IommuState& q = w.iommus[i];
    const std::string at = "IOMMU " + std::to_string(i);
    // Every submission written to the ring was fetched and processed by the queue engine, once; but
    // those their CPUs stopped waiting for may still be behind a device's time-out when the run ends.
    // Ring pointers are compared, never followed: a CPU's entry may be gone with its actor.
    // Left over at the end: submissions the IOMMU holds for CPUs that stopped waiting, and slots an ITE's
    // clearing emptied (null) that the IOMMU, halted again, has not fetched.
    const auto held_by_iommu = [&q](const QueueEntry* e) {
      return e == nullptr ||
             std::any_of(q.orphans.begin(), q.orphans.end(), [e](const OrphanedEntry& o) { return &o.entry == e; });
    };
    const bool orphans_only = std::all_of(q.ring.begin(), q.ring.end(), held_by_iommu);
    if (!orphans_only || q.ring.size() != q.tail - q.head)
      fail("descriptors-all-processed", at + ": " + std::to_string(q.tail) + " written, " + std::to_string(q.head) +
                                            " processed");
    // Every command-queue entry a submission took came back when the IOMMU consumed it, but those of
    // submissions nobody waits for that the IOMMU still holds.
    int leftovers = 0;
    for (const OrphanedEntry& o : q.orphans) leftovers += o.entry.queue_space;
    if (q.queue_free + leftovers != q.queue_capacity)
      fail("queue-space-all-free", at + ": " + std::to_string(q.queue_free) + " of " + std::to_string(q.queue_capacity) +
                                       " command-queue entries free");
    // Every submission gave its slots back, but the fault handler's (a daemon) when the run ended during a
    // page response; slots given back behind it wait for it (reclaim_free_desc()).
    if (q.slots.unreclaimed() != q.response_slots || (q.response_slots == 0 && q.slots.free() != ring))
      fail("ring-slots-all-free", at + ": " + std::to_string(q.slots.free()) + " of " + std::to_string(ring) + " free");
  }
  for (std::size_t d = 0; d < w.devices.size(); ++d) {
    const DeviceState& dev = w.devices[d];
    // An ITag not free belongs to a request aborted by a time-out (its late answer may still come), or to
    // one still pending when the run ended while a CPU was retrying (an abandoned invalidation).
    for (std::size_t t = 0; t < dev.itags.size(); ++t) {
      const bool free = std::find(dev.free_itags.begin(), dev.free_itags.end(), static_cast<int>(t)) != dev.free_itags.end();
      if (!free && !dev.itags[t].aborted && abandoned == 0)
        fail("itags-all-returned", "device " + std::to_string(d) + ": ITag " + std::to_string(t) + " still held");
    }
    if (dev.free_itags.size() > dev.itags.size())
      fail("itags-all-returned", "device " + std::to_string(d) + ": an ITag was returned twice");
  }
  // Every wait a CPU issued was seen by it (a thread still waiting would have deadlocked the run).
  if (w.running != 0) fail("waits-all-completed", std::to_string(w.running) + " CPU threads or DMA engines still waiting");
  if (w.stats.flushes_of_freed_domains != 0)
    fail("no-flush-after-free", std::to_string(w.stats.flushes_of_freed_domains) + " flushes of freed domains");
  // A device that answers invalidations before its DMA finished (a what-if of a broken device) is
  // expected to use stale translations; any other device must not.
  if (w.timing.ats_inv_waits_for_dma && w.stats.dma.stale_translation_uses != 0)
    fail("no-stale-translation", std::to_string(w.stats.dma.stale_translation_uses) + " DMA completions used an invalidated translation");
  std::uint64_t requests = 0, settled = 0;
  for (const auto& dv : w.stats.per_device) {
    requests += dv.dma.dma_requests;
    settled += dv.dma.dma_completed + dv.dma.dma_errors;
  }
  if (requests != settled)
    fail("dma-all-settled", std::to_string(requests) + " DMA requests, " + std::to_string(settled) + " completed or failed");
  return out;
}

}  // namespace svasim
