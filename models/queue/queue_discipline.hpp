#pragma once
// A queue discipline is how a driver issues one planned submission on an IOMMU's invalidation queue:
// which lock it takes while writing, whether it waits for ring slots, how it waits for the wait
// descriptor / CMD_SYNC / COMPLETION_WAIT, and what it does after a time-out. It also owns the queue work
// of bind and unbind of its driver family. Pure: the discipline drives the steps of QueueOps, which the
// engine gives time to (engine/submit.cpp) and unit tests record.
#include <memory>
#include <string>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "models/domain/domain_table.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

// What qi_check_fault() reads in DMAR_FSTS_REG.
struct FaultStatus {
  bool iqe = false;  // Invalidation Queue Error: the IOMMU stopped at an invalid descriptor
  bool ite = false;  // Invalidation Time-out Error: the IOMMU stopped fetching descriptors
};

// The steps a CPU can take on one queue for one submission. Lock waits, ring waits and outcomes are
// counted by the implementation.
class QueueOps {
public:
  virtual ~QueueOps() = default;
  virtual const Submission& submission() const = 0;
  virtual void lock() = 0;    // the queue's lock (VT-d q_lock, AMD iommu->lock)
  virtual void unlock() = 0;
  // With the lock held: wait, dropping it meanwhile, until `needed` ring slots are free; take all but one
  // (the slot kept empty so that a full ring is told from an empty one).
  virtual void take_ring_slots(int needed) = 0;
  virtual void reclaim_ring_slots(int n) = 0;  // reclaim_free_desc(): the submission's slots come back
  // SMMUv3 (arm_smmu_cmdq_issue_cmdlist()): wait, polling the consumer index, until the command queue has
  // room for `commands`, and claim them (moving prod past them); the IOMMU gives them back as it consumes
  // them. True: this CPU became the queue's owner (the OWNED flag was clear), which will write PROD for
  // its own commands and those claimed after it.
  virtual bool claim_queue_space(int commands) = 0;
  virtual void write_commands() = 0;  // SMMUv3: copy the commands into the claimed space and mark them valid
  // SMMUv3, the owner: wait for the previous owner to write PROD, stop gathering, wait for the gathered
  // commands to be written, and write PROD once past all of them.
  virtual void ring_as_owner() = 0;
  // AMD (__iommu_queue_command_sync()), with iommu->lock held, before the submission's last command: wait,
  // re-reading the head register, until the command buffer has room for its `commands` and more than 0x20
  // bytes (two commands) after them, and claim them; the IOMMU gives them back as it consumes the submission.
  // (The driver checks per command; the IOMMU here takes a submission whole with its last command, so its
  // earlier commands are counted from then.)
  virtual void reserve_command_slots(int commands) = 0;
  virtual void write_and_ring() = 0;    // copy the descriptors (and the wait) and write the tail register
  // Copy command `index` (index == descs.size(): the wait) and write the tail register after it, as drivers
  // that ring per command do (AMD copy_cmd_to_buffer()); the IOMMU sees the submission with its last command.
  virtual void write_command_and_ring(std::size_t index) = 0;
  virtual void wait_for_status() = 0;   // spin until the wait's status write is seen
  // Polls for the status write for at most `limit_ns` (AMD wait_on_sem()'s LOOP_TIMEOUT); false: the CPU
  // gave up, leaving the submission to the IOMMU, which goes on with it (and everything behind it).
  virtual bool wait_for_status_within(double limit_ns) = 0;
  virtual bool aborted() = 0;           // the wait completed with a time-out (or was aborted); clears the mark
  // VT-d's spin (qi_submit_sync()), step by step, q_lock held: whether the wait's status write has been
  // seen (desc_status == QI_DONE; a read of ordinary memory) ...
  virtual bool status_done() = 0;
  // ... qi_check_fault()'s MMIO read of the fault status register ...
  virtual FaultStatus read_fault_status() = 0;
  // ... and, having seen an invalidation time-out, clearing it: reads the queue head, tail and the error
  // register (ITESID), writes the fault status (the IOMMU resumes fetching) and marks every wait still in
  // the ring aborted. Returns whether the device ITESID names is still present.
  virtual bool clear_ite() = 0;
  // Having seen an IQE: reads the queue head and, if it is this submission's first descriptor, copies the
  // submission's wait descriptor over it and clears the fault (the IOMMU resumes). Returns whether it did.
  virtual bool clear_iqe_if_own() = 0;
  virtual void relax() = 0;             // drop q_lock, cpu_relax(), retake it
  // Past the end of the run a spinning CPU stops simulating its wait (it would spin on): the IOMMU keeps the
  // submission, the invalidation counts as abandoned. True when it did so.
  virtual bool abandon_if_run_over() = 0;
  // After a time-out: records the driver's decision; true when the submission is to be issued again
  // (false also when the run is over: the CPU would spin on past its end).
  virtual bool resubmit(bool driver_retries) = 0;
};

class QueueDiscipline {
public:
  static constexpr AxisInfo kAxis{"queue", "Queue disciplines", "models.queue", 3};
  using FactoryType = Factory<QueueDiscipline, const Params&>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~QueueDiscipline() = default;

  // Issues the submission ops.submission() through `ops`, returning once its wait was seen (or at once
  // for a submission without one).
  virtual void issue(QueueOps& ops) const = 0;
  // The hardware's time-out for unanswered ATS invalidations (VT-d ITE, CMD_SYNC poll, completion wait).
  virtual double ats_timeout_ns() const = 0;
  // The driver function one submission is (qi_submit_sync, arm_smmu_cmdq_issue_cmdlist, ...), for text.
  virtual const char* submit_call() const = 0;
  // Queue work of a bind (after the domain attach) and of an unbind (models/flush/lifecycle.hpp).
  virtual void plan_bind(const Attachment& a, const AttachResult& r, bool caching_mode, FlushPlan& out) const = 0;
  virtual void plan_unbind(const Attachment& a, const DetachResult& r, bool caching_mode, FlushPlan& out) const = 0;
  // Queue work of the mm's release (exit_mmap()) for one of its SVA domains, bindings still in place.
  virtual void plan_release(const SvaDomain&, bool /*caching_mode*/, FlushPlan&) const {}
  // Whether the release holds the lock the domain's flushes hold (AMD sva_pdom->lock) across its queue work.
  virtual bool release_under_domain_lock() const { return false; }
  // The answer to a page request of `device` when the driver sends it through this queue (VT-d
  // intel_iommu_page_response() -> qi_submit_sync()); false: it is not a queue submission.
  virtual bool plan_page_response(int /*iommu*/, int /*device*/, Submission&) const { return false; }
  // Whether an ATS time-out stops the queue until the driver clears it (VT-d ITE), rather than only
  // completing the pending sync with an error (SMMUv3 CERROR_ATC_INV_SYNC, AMD completion-wait time-out).
  virtual bool timeout_halts_queue() const { return false; }
  // An unbind of a PRI device first waits for its page requests and repeats its last (drain) submission
  // while the page-request queue overflowed (VT-d intel_drain_pasid_prq()).
  virtual bool drains_page_requests() const { return false; }
  // Whether that wait covers every page request of the PASID on the IOMMU, whichever device sent it, rather
  // than only the unbinding device's.
  virtual bool drain_waits_for_whole_pasid() const { return false; }
  // Entries of a command queue whose room the driver waits for (SMMUv3 command queue, AMD command buffer);
  // 0: the discipline counts ring slots instead (VT-d).
  virtual int queue_entries() const { return 0; }
};

}  // namespace svasim
