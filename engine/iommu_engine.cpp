// The IOMMU's invalidation queue engine: fetches what the tail register exposes, processes descriptors in
// ring order, sends ATS Invalidate Requests for device-TLB descriptors (up to 32 in flight per device,
// devices in parallel), and completes a wait descriptor / CMD_SYNC only when everything before it completed.
// Each step below is one thing the hardware does; `--log=svasim_iommu.thres:verbose` narrates them.
#include <simgrid/Exception.hpp>
#include <simgrid/s4u.hpp>

#include <algorithm>

#include "engine/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_iommu, "svasim: IOMMU invalidation queue engines");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

double now() { return sg4::Engine::get_clock(); }

class QueueEngine {
public:
  QueueEngine(World& w, int iommu) : w_(w), iommu_(iommu), q_(w.iommus[iommu]) {}

  void run() {
    q_.doorbell->set_receiver(sg4::Actor::self());
    q_.ats_done->set_receiver(sg4::Actor::self());
    for (;;) {
      fetch_tail();
      while (head_ < tail_)
        if (QueueEntry* e = next_entry()) process(e);  // null: aborted in the ring by the driver after an ITE
    }
  }

private:
  // A tail write exposes every entry up to it (doorbells may overtake each other on the link).
  void fetch_tail() {
    tail_ = std::max<std::uint64_t>(tail_, reinterpret_cast<std::uintptr_t>(q_.doorbell->get<void>()));
    XBT_DEBUG("iommu %d: tail %llu, head %llu", iommu_, static_cast<unsigned long long>(tail_),
              static_cast<unsigned long long>(head_));
  }

  QueueEntry* next_entry() {
    QueueEntry* e = q_.ring.front();
    ring_changing(q_, w_.stats.per_iommu[iommu_], now(), -1);
    q_.ring.pop_front();
    ++head_;
    q_.head = head_;
    return e;
  }

  // The entry being processed, read again after every wait: a CPU that gives up waiting (AMD
  // wait_on_sem()) puts the IOMMU's own copy in its place (engine/submit.cpp).
  QueueEntry& current() { return *q_.in_engine; }

  void process(QueueEntry* e) {
    if (q_.bad_descriptor_at >= 0 && now() >= q_.bad_descriptor_at) {
      q_.bad_descriptor_at = -1;
      stop_at_invalid_descriptor(*e);
      return;
    }
    q_.in_engine = e;
    const bool wait = e->sub->wait;
    double busy = 0;  // consecutive IOMMU-internal work is one sleep, not one per descriptor
    for (std::size_t i = 0; i < current().sub->descs.size(); ++i) {
      const Descriptor d = current().sub->descs[i];  // a copy: the entry may be replaced while the engine waits
      if (d.kind == DescKind::vtd_fence_wait) {  // nothing after it starts before everything before it is done
        w_.sleep(busy);
        busy = w_.timing.iotlb_inv;
        while (!pending_.empty() && !halted_)
          if (!receive_ats_completion()) abort_pending();
        if (halted_) break;
        continue;
      }
      if (is_page_response(d.kind)) {
        w_.sleep(busy + w_.timing.devtlb_issue);
        busy = 0;
        send_page_response(current());
        continue;
      }
      if (!is_devtlb(d.kind)) {
        busy += invalidate_in_iommu(current(), d);
        continue;
      }
      w_.sleep(busy + w_.timing.devtlb_issue);
      busy = 0;
      send_ats_invalidate(d);
      if (halted_) break;
    }
    // After an ITE the submission's wait was aborted by the driver, which resubmits it whole; the rest of
    // it is not processed (the hardware would go on from the queue head once ITE is cleared: the
    // resubmission repeats those invalidations, so only duplicate requests are left out). Its CPU may have
    // returned already: the entry is not touched again.
    if (!halted_) {
      w_.sleep(busy);
      give_back_queue_space(current());
      if (wait) complete_wait();
      if (!halted_ && current().orphan)  // nobody waits for it: the IOMMU is done with its own copy
        q_.orphans.remove_if([this](const OrphanedEntry& o) { return &o.entry == q_.in_engine; });
    }
    halted_ = false;
    q_.in_engine = nullptr;
  }

  // A page group response descriptor becomes the PRG Response message to the device that asked.
  void send_page_response(QueueEntry& e) {
    e.responded = true;
    XBT_VERB("iommu %d: page response to device %d", iommu_, e.page_request->device);
    w_.send(e.page_request->reply, e.page_request, w_.timing.ats_msg_bytes);
  }

  // SMMUv3: the commands consumed, CONS moves past them and a CPU waiting for room may claim it.
  void give_back_queue_space(QueueEntry& e) {
    if (e.queue_space == 0) return;
    q_.queue_free += e.queue_space;
    e.queue_space = 0;
    if (q_.space_waiters == 0) return;
    q_.space_mutex->lock();
    q_.space_freed->notify_all();
    q_.space_mutex->unlock();
  }

  // The submission's first descriptor is invalid (a reserved field set): the IOMMU stops with the queue head
  // at it (IQE) until a CPU clears the fault. Its submitter copies its wait descriptor over it, clears IQE
  // and returns -EINVAL; the IOMMU then processes that copy and the rest of the submission, the wait
  // included, whose status writes land in slots the driver has freed. The submitter is gone by then: the
  // rest is processed from a copy taken now, without status writes.
  void stop_at_invalid_descriptor(const QueueEntry& e) {
    Submission rest = *e.sub;
    if (!rest.descs.empty()) rest.descs.erase(rest.descs.begin());
    rest.wait = false;
    QueueEntry copy = e;
    copy.sub = &rest;
    copy.reply = nullptr;
    q_.iqe = true;
    q_.iqe_entry = &e;
    XBT_VERB("iommu %d: invalid descriptor, IQE set; fetching stops until it is cleared", iommu_);
    wake_lazy_spinner(q_);  // its next fault-status read sees the IQE
    q_.fault_cleared->get<void>();
    w_.sleep(w_.timing.wait);  // the wait descriptor copied over the bad one
    process(&copy);
  }

  // IOTLB and paging-structure entries go when the descriptor is processed (IH=0 in SVA flushes);
  // configuration-cache invalidations cost the same engine time and touch no translation.
  double invalidate_in_iommu(const QueueEntry& e, const Descriptor& d) {
    if (is_iotlb(d.kind)) {
      const CoveredRange c = covered(d);
      q_.walker->invalidate(iotlb_scope(e.process, e.domain), c.start, c.end, c.whole);
      XBT_VERB("iommu %d: %s for PASID %d%s", iommu_, to_string(d.kind), e.process, c.whole ? " (whole)" : "");
    }
    return w_.timing.iotlb_inv;
  }

  // A devTLB / ATC_INV / INVALIDATE_IOTLB_PAGES descriptor becomes an ATS Invalidate Request with an ITag.
  void send_ats_invalidate(const Descriptor& d) {
    DeviceState& dev = w_.devices[d.device];
    // ITag exhaustion stalls the queue until an answer or the time-out.
    while (dev.free_itags.empty() && !pending_.empty())
      if (!receive_ats_completion()) {
        abort_pending();
        if (halted_) return;
        aborting_ = true;
      }
    if (dev.free_itags.empty()) return;  // every ITag held by late answers: the request is lost
    const int tag = dev.free_itags.back();
    dev.free_itags.pop_back();
    const CoveredRange c = covered(d);
    dev.itags[tag] = {d.device, now(), static_cast<std::uint32_t>(current().process), c.start, c.end, c.whole, d.all_pasids};
    pending_.push_back(&dev.itags[tag]);
    ++w_.stats.per_device[d.device].ats_inv_requests;
    XBT_VERB("iommu %d: ATS Invalidate Request to device %d, ITag %d", iommu_, d.device, tag);
    w_.send(dev.ats_inbox, &dev.itags[tag], w_.timing.ats_msg_bytes);
  }

  // The wait descriptor / CMD_SYNC / COMPLETION_WAIT: everything before it, ATS answers included, must be
  // done; then its status write goes back to the CPU.
  void complete_wait() {
    while (!pending_.empty())
      if (!receive_ats_completion()) {
        abort_pending();
        if (halted_) return;  // the driver aborted this wait: no status write
      }
    QueueEntry* e = q_.in_engine;
    if (aborting_) e->aborted = true;  // the batch without a sync that timed out belongs to this wait
    aborting_ = false;
    w_.sleep(w_.timing.wait);
    e = q_.in_engine;
    XBT_VERB("iommu %d: wait complete%s, status write%s", iommu_, e->aborted ? " (aborted by a time-out)" : "",
             e->orphan ? " nobody polls" : "");
    e->status_sent = true;
    if (e->orphan) return;
    w_.send(e->reply, e, 8);
    wake_lazy_spinner(q_);  // its polls will see the status once it lands
  }

  void release(AtsRequest* r) {
    DeviceState& dev = w_.devices[r->device];
    dev.free_itags.push_back(static_cast<int>(r - dev.itags.data()));
  }

  // Waits for one ATS Invalidate Completion; false when the oldest pending request has gone unanswered for
  // the time-out (VT-d ITE, SMMUv3 CMD_SYNC time-out, AMD completion-wait time-out).
  bool receive_ats_completion() {
    for (;;) {
      const double deadline = pending_.front()->sent + w_.timing.ats_timeout;
      AtsRequest* r = nullptr;
      try {
        r = q_.ats_done->get<AtsRequest>(std::max(deadline - now(), 0.0));
      } catch (const simgrid::TimeoutException&) {
        return false;
      }
      if (r->aborted) {  // a late answer to an aborted request: only its ITag comes back
        release(r);
        continue;
      }
      w_.stats.per_device[r->device].ats_inv_latency.record(static_cast<std::uint64_t>((now() - r->sent) * 1e9 + 0.5));
      XBT_VERB("iommu %d: Invalidate Completion from device %d", iommu_, r->device);
      pending_.erase(std::find(pending_.begin(), pending_.end(), r));
      release(r);
      return true;
    }
  }

  // The time-out: every pending request is aborted. Requests a device dropped give their ITag back now;
  // one still being processed gives it back when its late answer arrives. On VT-d the queue then stops
  // (ITE) until a CPU clears the fault; the driver aborts the waits.
  void abort_pending() {
    ++w_.stats.per_iommu[iommu_].ats_inv_timeouts;
    XBT_VERB("iommu %d: invalidation time-out with %zu requests pending; aborting the waits", iommu_, pending_.size());
    const int itesid = pending_.front()->device;  // the oldest request is the one that timed out
    for (AtsRequest* r : pending_) {
      r->aborted = true;
      if (r->dropped) release(r);
    }
    pending_.clear();
    if (!w_.timing.timeout_halts_queue) {
      current().aborted = true;
      return;
    }
    q_.ite = true;
    q_.itesid_device = itesid;
    XBT_VERB("iommu %d: ITE set (ITESID: device %d); fetching stops until it is cleared", iommu_, itesid);
    wake_lazy_spinner(q_);  // its next fault-status read sees the ITE
    q_.fault_cleared->get<void>();
    halted_ = true;
  }

  World& w_;
  int iommu_;
  IommuState& q_;
  std::uint64_t head_ = 0, tail_ = 0;
  std::vector<AtsRequest*> pending_;  // sent, not answered, not aborted
  bool aborting_ = false;             // entries after a time-out are aborted up to the next wait
  bool halted_ = false;               // an ITE stopped the queue in the current submission
};

}  // namespace

void iommu_queue_engine(World& w, int iommu) { QueueEngine(w, iommu).run(); }

}  // namespace svasim
