// The IOMMU's invalidation queue engine: fetches what the tail register exposes, processes descriptors in
// ring order, sends ATS Invalidate Requests for device-TLB descriptors (up to 32 in flight per device,
// devices in parallel), and completes a wait descriptor / CMD_SYNC only when everything before it completed.
#include <simgrid/s4u.hpp>

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
  int outstanding = 0;

  auto receive_ats_completion = [&] {
    AtsRequest* r = q.ats_done->get<AtsRequest>();
    DeviceState& dev = w.devices[r->device];
    w.stats.per_device[r->device].ats_inv_latency.record(
        static_cast<std::uint64_t>((sg4::Engine::get_clock() - r->sent) * 1e9 + 0.5));
    dev.free_itags.push_back(static_cast<int>(r - dev.itags.data()));
    --outstanding;
  };

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
        while (dev.free_itags.empty()) receive_ats_completion();  // ITag exhaustion stalls the queue
        const int tag = dev.free_itags.back();
        dev.free_itags.pop_back();
        dev.itags[tag] = {d.device, sg4::Engine::get_clock(), static_cast<std::uint32_t>(e->process), c.start, c.end, c.whole};
        ++outstanding;
        ++w.stats.per_device[d.device].ats_inv_requests;
        w.send(dev.ats_inbox, &dev.itags[tag], w.timing.ats_msg_bytes);
      }
      w.sleep(busy);
      if (e->sub->wait) {
        while (outstanding > 0) receive_ats_completion();
        w.sleep(w.timing.wait);
        XBT_VERB("wait of submission to iommu %d complete", iommu);
        w.send(e->reply, e, 8);  // the wait descriptor's status write
      }
    }
  }
}

}  // namespace svasim
