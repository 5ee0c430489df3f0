// Submitting a planned submission to an IOMMU queue, as the driver does: the queue discipline of VT-d,
// SMMUv3 or AMD on bare metal, or through a guest's trapped tail write. Shared by every CPU-side actor
// (unmap threads, bind/unbind).
#include <simgrid/s4u.hpp>

#include <mutex>

#include "engine/sim/world.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

double now() { return sg4::Engine::get_clock(); }

// Takes a queue lock, charging the wait to the IOMMU's counters.
void lock_queue(World& w, int iommu, sg4::Mutex& m) {
  const double t = now();
  m.lock();
  const double waited_ns = (now() - t) * 1e9;
  w.stats.per_iommu[iommu].queue_lock_wait_ns += waited_ns;
  w.stats.queue_lock_wait.record(static_cast<std::uint64_t>(waited_ns + 0.5));
}

// Writes the submission into the ring and rings the doorbell (tail register). The caller holds the
// queue lock where the driver has one.
void write_and_ring(World& w, IommuState& q, QueueEntry& entry) {
  const Submission& sub = *entry.sub;
  const std::size_t written = sub.descs.size() + (sub.wait ? 1 : 0);
  w.sleep(w.timing.submit + static_cast<double>(written) * w.timing.desc_write);
  q.ring.push_back(&entry);
  ++q.tail;
  // The doorbell carries the descriptors' bytes: the IOMMU fetches them over the same path.
  w.send(q.doorbell, reinterpret_cast<void*>(static_cast<std::uintptr_t>(q.tail)), written * w.timing.desc_bytes);
}

void count(World& w, const Submission& sub) {
  QueueCounters& c = w.stats.per_iommu[sub.iommu];
  ++c.submissions;
  c.descriptors += sub.descs.size();
  c.invalidation_waits += sub.wait ? 1 : 0;
  for (const Descriptor& d : sub.descs) {
    c.iotlb_invalidations += is_iotlb(d.kind) ? 1 : 0;
    c.devtlb_invalidations += is_devtlb(d.kind) ? 1 : 0;
  }
}

// The descriptors' effect on the caches when the VMM emulates the queue itself (emulated devices):
// what the IOMMU engine and the device would do, applied synchronously during the exit.
void emulate_invalidations(World& w, const QueueEntry& entry) {
  const Submission& sub = *entry.sub;
  for (const Descriptor& d : sub.descs) {
    const CoveredRange c = covered(d);
    if (is_iotlb(d.kind)) {
      w.iommus[sub.iommu].walker->invalidate(iotlb_scope(entry.process, entry.domain), c.start, c.end, c.whole);
    } else if (!is_devtlb(d.kind)) {
      continue;  // configuration caches: nothing the simulation caches
    } else if (auto& atc = w.devices[d.device].atc) {
      const auto pasid = static_cast<std::uint32_t>(entry.process);
      if (c.whole)
        atc->invalidate_scope(pasid);
      else
        atc->invalidate_range(pasid, c.start, c.end);
    }
  }
}

// A guest's submission: the guest driver writes its vIOMMU queue under its own lock; the tail write traps
// to the VMM, which handles the whole queue before the vCPU resumes (so the wait is already done when the
// guest starts polling). With nested translation the VMM has the host kernel issue the same invalidation
// on the physical queue and waits for it.
void submit_in_guest(World& w, QueueEntry& entry, QueueDiscipline discipline) {
  const Submission& sub = *entry.sub;
  IommuState& q = w.iommus[sub.iommu];
  QueueCounters& c = w.stats.per_iommu[sub.iommu];
  const std::size_t written = sub.descs.size() + (sub.wait ? 1 : 0);
  const bool locked = discipline != QueueDiscipline::smmu_cmdq;
  if (locked) lock_queue(w, sub.iommu, *q.guest_q_lock);
  w.sleep(w.timing.submit + static_cast<double>(written) * w.timing.desc_write);
  const double exit_start = now();
  ++c.vm_exits;
  q.vmm_queue->lock();  // the one emulated queue: vCPUs exiting at once wait for each other
  w.sleep(w.timing.vm_exit + static_cast<double>(sub.descs.size()) * w.timing.vm_emulated_desc);
  if (w.environment == Environment::guest_nested) {
    w.sleep(w.timing.vm_iommufd);
    lock_queue(w, sub.iommu, *q.q_lock);
    write_and_ring(w, q, entry);
    q.q_lock->unlock();
    if (sub.wait) entry.reply->get<QueueEntry>();
  } else {
    emulate_invalidations(w, entry);
  }
  q.vmm_queue->unlock();
  c.vm_exit_ns += (now() - exit_start) * 1e9;
  if (locked) q.guest_q_lock->unlock();
  if (sub.wait) {
    w.sleep(w.timing.poll);
    if (discipline == QueueDiscipline::vtd_qi) {
      lock_queue(w, sub.iommu, *q.guest_q_lock);
      q.guest_q_lock->unlock();
    }
  }
}

// qi_submit_sync() with q_lock held: wait until `needed` slots are free (the descriptors, their wait,
// and one kept empty so a full ring is told from an empty one), dropping the lock meanwhile; then take
// all but the spare.
void take_ring_slots(World& w, int iommu, int needed) {
  IommuState& q = w.iommus[iommu];
  if (q.free_slots < needed) {
    QueueCounters& c = w.stats.per_iommu[iommu];
    ++c.ring_full_waits;
    const double t = now();
    std::unique_lock<sg4::Mutex> lock(*q.q_lock, std::adopt_lock);
    while (q.free_slots < needed) q.slots_freed->wait(lock);
    lock.release();
    c.ring_wait_ns += (now() - t) * 1e9;
  }
  q.free_slots -= needed - 1;
}

// After a time-out (the wait came back aborted), what the driver does: VT-d resubmits (-EAGAIN) unless
// a device the submission targets is gone (6.9+: -ETIMEDOUT); SMMUv3 retries the CMD_SYNC once; AMD
// reports the completion-wait time-out and goes on. A retry still pending when the run is over is
// abandoned: the CPU would go on spinning.
bool retry_after_timeout(World& w, const Submission& sub, QueueDiscipline discipline, int attempts) {
  QueueCounters& c = w.stats.per_iommu[sub.iommu];
  bool gone = false;
  for (const Descriptor& d : sub.descs)
    if (is_devtlb(d.kind) &&
        !w.scenario.topology.node(w.scenario.topology.devices()[d.device]).caps.present_at(now() * 1e9))
      gone = true;
  const bool retry = discipline == QueueDiscipline::vtd_qi      ? !gone
                     : discipline == QueueDiscipline::smmu_cmdq ? attempts == 0 && !gone
                                                                : false;
  if (!retry) {
    ++c.invalidations_failed;
    return false;
  }
  if (now() >= w.scenario.duration_ns * 1e-9) {
    ++c.invalidations_abandoned;
    return false;
  }
  ++c.resubmissions;
  return true;
}

void submit_on_host(World& w, QueueEntry& entry, QueueDiscipline discipline) {
  const Submission& sub = *entry.sub;
  sg4::Mailbox* reply = entry.reply;
  IommuState& q = w.iommus[sub.iommu];
  // VT-d qi_submit_sync() writes under q_lock and AMD iommu_queue_command() under iommu->lock; SMMUv3's
  // arm_smmu_cmdq_issue_cmdlist() claims space with cmpxchg on prod and takes no lock.
  const bool locked = discipline != QueueDiscipline::smmu_cmdq;
  const int slots = static_cast<int>(sub.descs.size()) + 1;  // the descriptors and their wait
  for (int attempts = 0;; ++attempts) {
    if (locked) lock_queue(w, sub.iommu, *q.q_lock);
    if (discipline == QueueDiscipline::vtd_qi) take_ring_slots(w, sub.iommu, slots + 1);
    write_and_ring(w, q, entry);
    if (locked) q.q_lock->unlock();
    if (!sub.wait) return;  // an SMMUv3 full batch is issued without CMD_SYNC and not waited for
    reply->get<QueueEntry>();
    w.sleep(w.timing.poll);
    // VT-d spins dropping and retaking q_lock between polls; the final retake, to reclaim the
    // descriptors, is where other CPUs contend. AMD's wait_on_sem() and SMMUv3's poll take no lock.
    if (discipline == QueueDiscipline::vtd_qi) {
      lock_queue(w, sub.iommu, *q.q_lock);
      q.free_slots += slots;  // reclaim_free_desc()
      q.slots_freed->notify_all();
      q.q_lock->unlock();
    }
    if (!entry.aborted) return;
    entry.aborted = false;
    if (!retry_after_timeout(w, sub, discipline, attempts)) return;
  }
}

}  // namespace

void submit(World& w, QueueEntry& entry, QueueDiscipline discipline) {
  const Submission& sub = *entry.sub;
  const double start = now();
  count(w, sub);
  if (w.environment != Environment::bare_metal)
    submit_in_guest(w, entry, discipline);
  else
    submit_on_host(w, entry, discipline);
  if (sub.wait) w.stats.submission_latency.record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
}

}  // namespace svasim
