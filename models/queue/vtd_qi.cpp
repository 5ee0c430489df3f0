// Intel VT-d invalidation queue (intel/dmar.c qi_submit_sync()): under q_lock (a spinlock, irqs off) wait
// for count + 2 free ring slots, copy the descriptors and one wait descriptor, write the tail register,
// then spin on the wait's status dropping and retaking q_lock between polls; the final retake reclaims the
// slots (reclaim_free_desc()). After an invalidation time-out (ITE) the pending waits are aborted and the
// call returns -EAGAIN and is resubmitted, unless (6.9+) a device it targets is gone: -ETIMEDOUT.
#include "models/flush/lifecycle.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "vtd.qi_ring_entries", .unit = "descriptors", .default_value = 256, .min = 4, .max = 65536,
              .integer = true,
              .description = "VT-d invalidation queue ring size; a submission of n descriptors waits for n + 2 free slots",
              .source = "QI_LENGTH, intel/dmar.c qi_submit_sync()"});
SVASIM_PARAM({.name = "vtd.ite_timeout_ns", .unit = "ns", .default_value = 60e9, .min = 1000, .max = 1e13,
              .description = "time after which the VT-d hardware reports an invalidation time-out error (ITE) for an "
                             "unanswered device-TLB invalidation; the driver aborts the pending waits and resubmits "
                             "(the PCIe deadline for an ATS Invalidate Completion is 1 minute)",
              .source = "PCIe 6.1 sec. 10.3.1 (1 minute); intel/dmar.c qi_check_fault()"});

SVASIM_PARAM({.name = "vtd.unbind_devtlb_in_caching_mode", .unit = "bool", .default_value = 1, .max = 1,
              .integer = true,
              .description = "unbind invalidates the device TLB in caching mode too (a guest's vIOMMU); 0 for kernels "
                             "up to 6.11, whose intel_pasid_tear_down_entry() skipped it there",
              .source = "intel/pasid.c intel_pasid_tear_down_entry(): 'Device IOTLB doesn't need to be flushed in "
                        "caching mode' check removed by 'iommu/vt-d: Remove caching mode check before devtlb flush' "
                        "(v6.12)"});

SVASIM_PARAM({.name = "vtd.ite_removed_device_fails", .unit = "bool", .default_value = 1, .max = 1, .integer = true,
              .description = "after an ITE, a submission targeting a device no longer present returns -ETIMEDOUT "
                             "instead of being resubmitted (6.9+); 0 for 6.7, which resubmits forever",
              .source = "intel/dmar.c qi_check_fault(): ITESID, pci_device_is_present() check, commit 80a9b50c0b9e "
                        "(v6.9, backported to 6.8.y)"});

SVASIM_PARAM({.name = "vtd.prq_drain_per_device", .unit = "bool", .default_value = 1, .max = 1, .integer = true,
              .description = "an unbind's page-request drain first waits only for the unbinding device's requests "
                             "(6.14+); 0: for every request of the PASID in the IOMMU's queue, whichever device sent "
                             "it (up to 6.13)",
              .source = "intel/prq.c intel_iommu_drain_pasid_prq(): per-device filter, commit add43c4fbc92 (v6.14, "
                        "also 6.13.y); svm.c intel_drain_pasid_prq() before"});

class VtdQi final : public QueueDiscipline {
public:
  explicit VtdQi(const Params& p)
      : timeout_ns_(p.get("vtd.ite_timeout_ns")),
        devtlb_in_caching_mode_(p.get_int("vtd.unbind_devtlb_in_caching_mode") != 0),
        removed_device_fails_(p.get_int("vtd.ite_removed_device_fails") != 0),
        drain_per_device_(p.get_int("vtd.prq_drain_per_device") != 0) {}

  void issue(QueueOps& q) const override {
    const int slots = static_cast<int>(q.submission().descs.size()) + 1;  // the descriptors and their wait
    for (;;) {
      q.lock();
      q.take_ring_slots(slots + 1);
      q.write_and_ring();
      q.unlock();
      if (!q.submission().wait) return;  // every VT-d submission has one; kept for plans that do not
      q.wait_for_status();
      // The spin drops and retakes q_lock between polls; the final retake, to reclaim the descriptors, is
      // where other CPUs contend.
      q.lock();
      q.reclaim_ring_slots(slots);
      q.unlock();
      if (!q.aborted()) return;
      if (!q.resubmit(!(removed_device_fails_ && q.target_gone()))) return;
    }
  }
  double ats_timeout_ns() const override { return timeout_ns_; }
  const char* submit_call() const override { return "qi_submit_sync"; }
  void plan_bind(const Attachment& a, const AttachResult& r, bool caching_mode, FlushPlan& out) const override {
    plan_vtd_bind(a, r, caching_mode, out);
  }
  void plan_unbind(const Attachment& a, const DetachResult& r, bool caching_mode, FlushPlan& out) const override {
    plan_vtd_unbind(a, r, !caching_mode || devtlb_in_caching_mode_, out);
  }
  void plan_release(const SvaDomain& d, bool caching_mode, FlushPlan& out) const override {
    plan_vtd_release(d, !caching_mode || devtlb_in_caching_mode_, out);  // the same teardown as unbind
  }
  bool drains_page_requests() const override { return true; }
  bool drain_waits_for_whole_pasid() const override { return !drain_per_device_; }

private:
  double timeout_ns_;
  bool devtlb_in_caching_mode_;
  bool removed_device_fails_;
  bool drain_per_device_;
};

std::unique_ptr<QueueDiscipline> make(const Params& p) { return std::make_unique<VtdQi>(p); }

}  // namespace

SVASIM_REGISTER(QueueDiscipline, "vtd-qi", make,
                {.description = "VT-d invalidation queue: q_lock held while writing, count + 2 free ring slots, "
                                "wait descriptor polled retaking q_lock; -EAGAIN resubmits after an ITE",
                 .params = {"cpu.submit_ns", "cpu.desc_write_ns", "cpu.poll_ns", "queue.desc_bytes", "vtd.qi_ring_entries", "vtd.ite_timeout_ns",
                            "vtd.unbind_devtlb_in_caching_mode"}});

}  // namespace svasim
