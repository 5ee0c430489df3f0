// The IOMMU's page-request queue and the CPU work behind it: a PRI Page Request is dispatched to the
// fault handler (PRQ interrupt, IOPF work queue, on CPU core 0), the fault is handled (the page becomes
// present), and a Page Response goes back to the device, which then translates again. VT-d sends the
// response as a page group response descriptor through qi_submit_sync() (intel_iommu_page_response()), so
// responses compete with invalidations for q_lock and ring slots; AMD as a COMPLETE_PPR_REQUEST through
// iommu_queue_command() (amd_iommu_complete_ppr()), behind iommu->lock and without a wait; elsewhere it goes
// straight back.
#include <simgrid/s4u.hpp>

#include <string>

#include "engine/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_prq, "svasim: page requests (PRI) and their handling");

namespace svasim {

namespace sg4 = simgrid::s4u;

// The IOMMU writes each page request into the in-memory queue and interrupts the CPU: the entry travels on
// to the CPU's handler.
void page_request_queue(World& w, int iommu) {
  IommuState& q = w.iommus[iommu];
  q.prq->set_receiver(sg4::Actor::self());
  for (;;) w.send(q.prq_to_cpu, q.prq->get<PageRequest>(), w.timing.desc_bytes);
}

// A response the CPU gives without the invalidation queue (SMMUv3 and AMD, a guest, or one the queue lost)
// reaches the device through the IOMMU.
void page_response_forwarder(World& w, int iommu) {
  IommuState& q = w.iommus[iommu];
  q.prq_responses->set_receiver(sg4::Actor::self());
  for (;;) {
    PageRequest* r = q.prq_responses->get<PageRequest>();
    w.send(r->reply, r, w.timing.ats_msg_bytes);
  }
}

void page_request_handler(World& w, int iommu) {
  IommuState& q = w.iommus[iommu];
  q.prq_to_cpu->set_receiver(sg4::Actor::self());
  sg4::Mailbox* status = sg4::Mailbox::by_name("prq-response-status/" + std::to_string(iommu));
  status->set_receiver(sg4::Actor::self());
  for (;;) {
    PageRequest* r = q.prq_to_cpu->get<PageRequest>();
    // One handler per IOMMU, as the kernel's per-IOMMU PRQ thread: faults queue behind each other.
    w.sleep(w.timing.pri_dispatch + w.timing.pri_fault);
    MmState& mm = w.mms[r->pasid];
    mm.set_present(r->addr, r->addr + 1, true);
    XBT_VERB("page request of device %d for %#llx handled", r->device, static_cast<unsigned long long>(r->addr));
    q.prq_outstanding.erase(r->seq);
    Submission response;
    // In a guest the vIOMMU's emulation answers page requests no differently: the response goes back directly.
    if (!w.environment->is_guest() && w.queue->plan_page_response(iommu, r->device, response)) {
      const auto label = [&](QueueEntry& e) {
        e.what = "page response";
        e.what_index = r->device;
        e.page_request = r;
      };
      if (!response.wait) {
        // Queued without a wait (AMD): the IOMMU holds it, and frees it once it has sent the response.
        OrphanedEntry& o = q.orphans.emplace_back(OrphanedEntry{std::move(response), {}});
        o.entry = QueueEntry{&o.sub, nullptr, static_cast<int>(r->pasid), -1};
        label(o.entry);
        o.entry.orphan = true;
        submit(w, o.entry);
        --q.prq_total;
        q.prq_drained->notify_all();
        continue;
      }
      QueueEntry e{&response, status, static_cast<int>(r->pasid), -1};
      label(e);
      q.response_slots = static_cast<int>(response.descs.size()) + 1;
      submit(w, e);
      q.response_slots = 0;
      // Lost with an ITE's aborted ring or an invalid descriptor, given up (-ETIMEDOUT, -EINVAL) or abandoned at
      // the end: the kernel does not resend it. The device would wait for its PRG Response time-out, which is
      // not modelled: it gets the response now, so that its DMA ends.
      if (!e.responded) {
        XBT_VERB("page response to device %d lost in the queue: answered directly", r->device);
        w.send(q.prq_responses, r, w.timing.ats_msg_bytes);
      }
    } else {
      w.send(q.prq_responses, r, w.timing.ats_msg_bytes);
    }
    --q.prq_total;
    q.prq_drained->notify_all();
  }
}

}  // namespace svasim
