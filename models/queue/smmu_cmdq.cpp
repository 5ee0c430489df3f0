// Arm SMMUv3 command queue (arm-smmu-v3.c arm_smmu_cmdq_issue_cmdlist()): lock-free, space claimed with
// cmpxchg on prod, and only the CPU that found the queue unowned writes PROD, once, for its commands and
// those other CPUs claimed meanwhile (fewer doorbells under contention, and fewer exits under an emulated
// SMMU); CMD_SYNC polled without a lock; a full batch goes out without a sync and is not waited
// for. An unanswered ATC_INV ends the CMD_SYNC's wait without a software retry (6.11 as read): either the
// CPU's poll gives up (arm_smmu_cmdq_poll_until_sync(): "CMD_SYNC timeout", -ETIMEDOUT, which the SVA flush
// paths ignore), or the SMMU reports CERROR_ATC_INV_SYNC and arm_smmu_cmdq_skip_err() leaves CONS on the
// CMD_SYNC, which the hardware repeats and which then completes. The device's ATC may keep the entries.
#include "models/flush/lifecycle.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "smmu.sync_timeout_ns", .unit = "ns", .default_value = 1e9, .min = 1000, .max = 1e13,
              .description = "time after which an unanswered ATC_INV ends the CMD_SYNC's wait (the CPU's poll limit, or "
                             "an SMMU's shorter ATC invalidation time-out, CERROR_ATC_INV_SYNC); never retried",
              .source = "ARM_SMMU_POLL_TIMEOUT_US (1 s), arm-smmu-v3.h; arm_smmu_cmdq_skip_err(), arm-smmu-v3.c 6.11"});

SVASIM_PARAM({.name = "smmu.cmdq_entries", .unit = "commands", .default_value = 262144, .min = 2, .max = 524288,
              .integer = true,
              .description = "SMMUv3 command queue size: a CPU waits (polling CONS) until the queue has room for its "
                             "commands, which the SMMU frees as it consumes them. The hardware's size (SMMU_IDR1.CMDQS, "
                             "up to 2^19) is implementation defined and not published for shipping SMMUs; the default "
                             "is the driver's cap for 4 KiB pages, 2^18. Must hold a batch and its CMD_SYNC",
              .source = "arm-smmu-v3.h CMDQ_MAX_SZ_SHIFT; arm-smmu-v3.c arm_smmu_init_one_queue(), "
                        "arm_smmu_cmdq_poll_until_not_full()"});

class SmmuCmdq final : public QueueDiscipline {
public:
  explicit SmmuCmdq(const Params& p)
      : timeout_ns_(p.get("smmu.sync_timeout_ns")), entries_(static_cast<int>(p.get_int("smmu.cmdq_entries"))) {}

  void issue(QueueOps& q) const override {
    // 1. queue_has_space() or arm_smmu_cmdq_poll_until_not_full(), then prod claimed with cmpxchg.
    const bool owner = q.claim_queue_space(command_count(q.submission()));
    q.write_commands();  // 2-3. arm_smmu_cmdq_write_entries(), the CMD_SYNC, arm_smmu_cmdq_set_valid_map()
    if (owner) q.ring_as_owner();  // 4. only the owner writes PROD, for everything gathered
    if (!q.submission().wait) return;  // a full batch is issued without CMD_SYNC and not waited for
    q.wait_for_status();
    if (q.aborted()) q.resubmit(false);  // reported (dev_err / gerror), never issued again
  }
  double ats_timeout_ns() const override { return timeout_ns_; }
  int queue_entries() const override { return entries_; }
  const char* submit_call() const override { return "arm_smmu_cmdq_issue_cmdlist"; }
  void plan_bind(const Attachment& a, const AttachResult& r, bool, FlushPlan& out) const override {
    plan_smmu_bind(a, r, out);
  }
  void plan_unbind(const Attachment& a, const DetachResult& r, bool, FlushPlan& out) const override {
    plan_smmu_unbind(a, r, out);
  }
  void plan_release(const SvaDomain& d, bool, FlushPlan& out) const override { plan_smmu_release(d, out); }

private:
  double timeout_ns_;
  int entries_;
};

std::unique_ptr<QueueDiscipline> make(const Params& p) { return std::make_unique<SmmuCmdq>(p); }

}  // namespace

SVASIM_REGISTER(QueueDiscipline, "smmu-cmdq", make,
                {.description = "SMMUv3 command queue: lock-free (cmpxchg on prod) once it has room, the owner writes PROD "
                                "for the commands gathered meanwhile, CMD_SYNC polled without a lock, full batches issued without a sync; a time-out is reported, never retried",
                 .params = {"cpu.submit_ns", "cpu.desc_write_ns", "cpu.poll_ns", "queue.desc_bytes", "smmu.sync_timeout_ns",
                            "smmu.cmdq_entries"}});

}  // namespace svasim
