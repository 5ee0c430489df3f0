// A device's side of ATS invalidation: it receives ATS Invalidate Requests, finishes with the old
// translation, and answers with an Invalidate Completion to its IOMMU.
#include <simgrid/s4u.hpp>

#include "engine/sim/world.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

void device_ats_responder(World& w, int device) {
  DeviceState& dev = w.devices[device];
  dev.ats_inbox->set_receiver(sg4::Actor::self());
  IommuState& q = w.iommus[w.scenario.topology.iommu_of_device(device)];
  for (;;) {
    // The device answers one request at a time, after finishing with the old translation.
    AtsRequest* r = dev.ats_inbox->get<AtsRequest>();
    w.sleep(dev.ats_inv + (w.timing.device_ats_jitter > 0 ? dev.rng.exponential(w.timing.device_ats_jitter) : 0.0));
    w.send(q.ats_done, r, w.timing.ats_msg_bytes);
  }
}

}  // namespace svasim
