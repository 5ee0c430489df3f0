// The IOMMU's invalidation queue engine: fetches what the tail register exposes, processes descriptors in
// ring order, sends ATS Invalidate Requests for device-TLB descriptors (up to 32 in flight per device,
// devices in parallel), and completes a wait descriptor / CMD_SYNC only when everything before it completed.
#include <simgrid/Exception.hpp>
#include <simgrid/s4u.hpp>

#include <algorithm>

#include "engine/sim/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_iommu, "svasim: IOMMU invalidation queue engines");

namespace svasim {

namespace sg4 = simgrid::s4u;

void iommu_queue_engine(World& w, int iommu) {
  IommuState& q = w.iommus[iommu];
  q.doorbell->set_receiver(sg4::Actor::self());
  q.ats_done->set_receiver(sg4::Actor::self());
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  std::vector<AtsRequest*> pending;  // sent, not answered, not aborted

  auto release = [&](AtsRequest* r) {
    DeviceState& dev = w.devices[r->device];
    dev.free_itags.push_back(static_cast<int>(r - dev.itags.data()));
  };
  // Waits for one ATS Invalidate Completion; false when the oldest pending request has gone unanswered
  // for the time-out (VT-d ITE, SMMUv3 CMD_SYNC time-out, AMD completion-wait time-out).
  auto receive_ats_completion = [&]() -> bool {
    for (;;) {
      const double deadline = pending.front()->sent + w.timing.ats_timeout;
      AtsRequest* r = nullptr;
      try {
        r = q.ats_done->get<AtsRequest>(std::max(deadline - sg4::Engine::get_clock(), 0.0));
      } catch (const simgrid::TimeoutException&) {
        return false;
      }
      if (r->aborted) {  // a late answer to an aborted request: only its ITag comes back
        release(r);
        continue;
      }
      w.stats.per_device[r->device].ats_inv_latency.record(
          static_cast<std::uint64_t>((sg4::Engine::get_clock() - r->sent) * 1e9 + 0.5));
      pending.erase(std::find(pending.begin(), pending.end(), r));
      release(r);
      return true;
    }
  };
  // The time-out: every pending wait is aborted. Requests a device dropped give their ITag back now;
  // one still being processed gives it back when its late answer arrives.
  auto abort_pending = [&](QueueEntry* e) {
    ++w.stats.per_iommu[iommu].ats_inv_timeouts;
    for (AtsRequest* r : pending) {
      r->aborted = true;
      if (r->dropped) release(r);
    }
    pending.clear();
    if (e) e->aborted = true;
  };
  QueueEntry* aborting = nullptr;  // entries after a time-out are aborted up to the next wait

  for (;;) {
    // A tail write exposes every entry up to it (doorbells may overtake each other on the link).
    tail = std::max<std::uint64_t>(tail, reinterpret_cast<std::uintptr_t>(q.doorbell->get<void>()));
    while (head < tail) {
      QueueEntry* e = q.ring.front();
      q.ring.pop_front();
      ++head;
      double busy = 0;  // consecutive IOMMU-internal work is one sleep, not one per descriptor
      for (const Descriptor& d : e->sub->descs) {
        const CoveredRange c = covered(d);
        if (!is_devtlb(d.kind)) {
          // IOTLB and paging-structure entries go when the descriptor is processed (IH=0 in SVA flushes);
          // configuration-cache invalidations cost the same engine time and touch no translation.
          if (is_iotlb(d.kind)) q.walker->invalidate(iotlb_scope(e->process, e->domain), c.start, c.end, c.whole);
          busy += w.timing.iotlb_inv;
          continue;
        }
        w.sleep(busy + w.timing.devtlb_issue);
        busy = 0;
        DeviceState& dev = w.devices[d.device];
        // ITag exhaustion stalls the queue until an answer or the time-out.
        while (dev.free_itags.empty())
          if (!receive_ats_completion()) abort_pending(aborting = e);
        if (dev.free_itags.empty()) continue;  // every ITag held by late answers: the request is lost
        const int tag = dev.free_itags.back();
        dev.free_itags.pop_back();
        dev.itags[tag] = {d.device, sg4::Engine::get_clock(), static_cast<std::uint32_t>(e->process), c.start, c.end, c.whole};
        pending.push_back(&dev.itags[tag]);
        ++w.stats.per_device[d.device].ats_inv_requests;
        w.send(dev.ats_inbox, &dev.itags[tag], w.timing.ats_msg_bytes);
      }
      w.sleep(busy);
      if (e->sub->wait) {
        while (!pending.empty())
          if (!receive_ats_completion()) abort_pending(e);
        if (aborting) e->aborted = true;  // the batch without a sync that timed out belongs to this wait
        aborting = nullptr;
        w.sleep(w.timing.wait);
        XBT_VERB("wait of submission to iommu %d complete", iommu);
        w.send(e->reply, e, 8);  // the wait descriptor's status write
      }
    }
  }
}

}  // namespace svasim
