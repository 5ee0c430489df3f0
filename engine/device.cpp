// A device's side of ATS invalidation: it drops the ATC entries the request covers, makes translated but
// not yet started requests fetch a new translation, finishes the DMA already using the old one, and only
// then answers with an Invalidate Completion to its IOMMU (PCIe ATS).
#include <simgrid/s4u.hpp>

#include <mutex>

#include "engine/world.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

bool covers(const AtsRequest& r, const InflightDma& f) {
  return (r.all_pasids || f.pasid == r.pasid) && (r.whole || (f.start < r.end && r.start < f.end));
}

// How many answered invalidations the stale-translation check remembers per device; a DMA older than
// all of them would be one that outlived hundreds of invalidations of its device.
constexpr std::size_t kAnsweredMemory = 64;

}  // namespace

void device_ats_responder(World& w, int device) {
  DeviceState& dev = w.devices[device];
  dev.ats_inbox->set_receiver(sg4::Actor::self());
  IommuState& q = w.iommus[w.scenario.topology.iommu_of_device(device)];
  const DeviceCaps& caps = w.scenario.topology.node(w.scenario.topology.devices()[device]).caps;
  for (;;) {
    AtsRequest* r = dev.ats_inbox->get<AtsRequest>();
    const double arrived = sg4::Engine::get_clock();
    if (!caps.answers_at(arrived * 1e9)) {  // stuck or removed: the request is never answered
      r->dropped = true;
      // Aborted before it got here: nobody else will give its ITag back.
      if (r->aborted) dev.free_itags.push_back(static_cast<int>(r - dev.itags.data()));
      continue;
    }
    if (dev.atc) {
      if (r->all_pasids)
        dev.atc->invalidate_all();  // only ever with the whole address space (models/flush/plan.hpp)
      else if (r->whole)
        dev.atc->invalidate_scope(r->pasid);
      else
        dev.atc->invalidate_range(r->pasid, r->start, r->end);
    }
    for (InflightDma* f : dev.inflight)
      if (covers(*r, *f) && !f->transferring) f->retranslate = true;

    // The device answers one request at a time.
    w.sleep(dev.ats_inv + (w.timing.device_ats_jitter > 0 ? dev.rng.exponential(w.timing.device_ats_jitter) : 0.0));
    if (w.timing.ats_inv_waits_for_dma) {
      std::unique_lock<sg4::Mutex> lock(*dev.inflight_mutex);
      auto busy = [&] {
        for (const InflightDma* f : dev.inflight)
          if (covers(*r, *f) && f->transferring && f->translated_at <= arrived) return true;
        return false;
      };
      while (busy()) {
        ++dev.invalidations_waiting;
        dev.dma_finished->wait(lock);
        --dev.invalidations_waiting;
      }
    }
    dev.answered.push_back({r->pasid, r->start, r->end, r->whole, r->all_pasids, arrived, sg4::Engine::get_clock()});
    if (dev.answered.size() > kAnsweredMemory) dev.answered.pop_front();
    w.send(q.ats_done, r, w.timing.ats_msg_bytes);
  }
}

}  // namespace svasim
