// The IOMMU's page-request queue and the CPU work behind it: a PRI Page Request is dispatched to the
// fault handler (PRQ interrupt, IOPF work queue), the fault is handled (the page becomes present), and a
// Page Response goes back to the device, which then translates again.
#include <simgrid/s4u.hpp>

#include "engine/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_prq, "svasim: page requests (PRI) and their handling");

namespace svasim {

namespace sg4 = simgrid::s4u;

void page_request_handler(World& w, int iommu) {
  IommuState& q = w.iommus[iommu];
  q.prq->set_receiver(sg4::Actor::self());
  for (;;) {
    PageRequest* r = q.prq->get<PageRequest>();
    // One handler per IOMMU, as the kernel's per-IOMMU PRQ thread: faults queue behind each other.
    w.sleep(w.timing.pri_dispatch + w.timing.pri_fault);
    MmState& mm = w.mms[r->pasid];
    mm.set_present(r->addr, r->addr + 1, true);
    XBT_VERB("page request of device %d for %#llx handled", r->device, static_cast<unsigned long long>(r->addr));
    q.prq_outstanding.erase(r->seq);
    w.send(r->reply, r, w.timing.ats_msg_bytes);
    --q.prq_total;
    q.prq_drained->notify_all();
  }
}

}  // namespace svasim
