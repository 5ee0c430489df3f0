// Intel VT-d invalidation queue (intel/dmar.c qi_submit_sync()): under q_lock (a spinlock, irqs off) wait
// for count + 2 free ring slots, copy the descriptors and one wait descriptor, write the tail register,
// then spin on the wait's status holding q_lock: each poll runs qi_check_fault() (an MMIO read of
// DMAR_FSTS_REG) and drops q_lock only around cpu_relax(), so a CPU spinning on a slow wait keeps other
// submitters waiting for the lock. The final pass reclaims the slots (reclaim_free_desc()).
// An ATS time-out sets ITE and stops the queue; the first CPU whose qi_check_fault() sees it clears it and
// marks every wait in flight aborted. That CPU returns -ETIMEDOUT when (6.9+) the device ITESID names is
// gone, whoever's descriptor it was; every other aborted wait returns -EAGAIN and is resubmitted.
// An invalid descriptor stops the queue too (IQE): the submitter whose first descriptor it is copies its
// wait descriptor over it, clears the fault and returns -EINVAL, never resubmitting.
// Linux 6.12 dmar.c as read (qi_submit_sync(), qi_check_fault(); ITE handling as since 80a9b50c0b9e).
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

SVASIM_PARAM({.name = "vtd.reg_read_ns", .unit = "ns", .default_value = 150, .max = 1e7,
              .description = "one uncached MMIO read of a VT-d register by the CPU: qi_check_fault() reads "
                             "DMAR_FSTS_REG at every poll of a wait, holding q_lock (and IQH, IQT and IQER when it "
                             "handles an ITE). Not published for IOMMU registers; assumption: a read served by the "
                             "CPU's uncore, shorter than a PCIe device register read (~0.5-1 us)",
              .source = "assumption; intel/dmar.c qi_check_fault()"});
SVASIM_PARAM({.name = "cpu.relax_ns", .unit = "ns", .default_value = 54, .max = 1e7,
              .description = "cpu_relax() (the PAUSE instruction) between two polls of a wait, the only time a "
                             "spinning VT-d submitter drops q_lock: 140 cycles at 2.6 GHz",
              .source = "Intel 64 and IA-32 Architectures Optimization Reference Manual, Skylake "
                        "microarchitecture: PAUSE latency raised to about 140 cycles"});

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
      Fault rc = Fault::none;
      // Every VT-d submission has a wait; a plan without one is not waited for.
      if (q.submission().wait)
        while (!q.status_done()) {
          rc = check_fault(q);
          if (rc != Fault::none) break;
          if (q.abandon_if_run_over()) {
            rc = Fault::abandoned;
            break;
          }
          q.relax();
        }
      q.reclaim_ring_slots(slots);
      q.unlock();
      if (rc == Fault::none || rc == Fault::abandoned) return;
      if (!q.resubmit(rc == Fault::again)) return;
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
  bool timeout_halts_queue() const override { return true; }
  // intel_iommu_page_response() (prq.c, 6.12): one page group response descriptor through qi_submit_sync(),
  // which adds its wait; handle_bad_prq_event() answers an unhandled request the same way.
  bool plan_page_response(int iommu, int device, Submission& out) const override {
    out = Submission{iommu, {Descriptor{DescKind::vtd_page_response, device}}, true};
    return true;
  }
  bool drains_page_requests() const override { return true; }
  bool drain_waits_for_whole_pasid() const override { return !drain_per_device_; }

private:
  enum class Fault { none, again, timed_out, invalid, abandoned };  // 0, -EAGAIN, -ETIMEDOUT, -EINVAL; run over

  // qi_check_fault() for the CPU's own wait.
  Fault check_fault(QueueOps& q) const {
    if (q.aborted()) return Fault::again;  // another CPU handled the ITE that aborted this wait
    const FaultStatus f = q.read_fault_status();
    // IQE: only the submitter whose first descriptor the head points at recovers (and fails); others
    // spin on until it has.
    if (f.iqe && q.clear_iqe_if_own()) return Fault::invalid;
    if (f.ite) {
      const bool itesid_present = q.clear_ite();
      const bool own_aborted = q.aborted();  // read (and cleared) whatever the outcome, as QI_FREE resets it
      if (removed_device_fails_ && !itesid_present) return Fault::timed_out;
      if (own_aborted) return Fault::again;
    }
    return Fault::none;
  }

  double timeout_ns_;
  bool devtlb_in_caching_mode_;
  bool removed_device_fails_;
  bool drain_per_device_;
};

std::unique_ptr<QueueDiscipline> make(const Params& p) { return std::make_unique<VtdQi>(p); }

}  // namespace

SVASIM_REGISTER(QueueDiscipline, "vtd-qi", make,
                {.description = "VT-d invalidation queue: q_lock held while writing, count + 2 free ring slots, "
                                "wait descriptor polled holding q_lock (dropped around cpu_relax()); after an ITE the CPU that "
                                "sees it decides -ETIMEDOUT, other aborted waits resubmit (-EAGAIN)",
                 .params = {"cpu.submit_ns", "cpu.desc_write_ns", "cpu.relax_ns", "vtd.reg_read_ns", "queue.desc_bytes",
                            "vtd.qi_ring_entries", "vtd.ite_timeout_ns",
                            "vtd.unbind_devtlb_in_caching_mode"}});

}  // namespace svasim
