// Arm SMMUv3 command queue (arm-smmu-v3.c arm_smmu_cmdq_issue_cmdlist()): lock-free, space claimed with
// cmpxchg on prod, CMD_SYNC polled without a lock; a full batch goes out without a sync and is not waited
// for. After a CMD_SYNC time-out the driver reports it and retries the sync once.
#include "models/flush/lifecycle.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "smmu.sync_timeout_ns", .unit = "ns", .default_value = 1e9, .min = 1000, .max = 1e13,
              .description = "SMMUv3 CMD_SYNC poll time-out; the driver reports it and retries the sync once",
              .source = "ARM_SMMU_POLL_TIMEOUT_US, arm-smmu-v3.h"});

class SmmuCmdq final : public QueueDiscipline {
public:
  explicit SmmuCmdq(const Params& p) : timeout_ns_(p.get("smmu.sync_timeout_ns")) {}

  void issue(QueueOps& q) const override {
    for (int attempts = 0;; ++attempts) {
      q.write_and_ring();
      if (!q.submission().wait) return;  // a full batch is issued without CMD_SYNC and not waited for
      q.wait_for_status();
      if (!q.aborted()) return;
      if (!q.resubmit(attempts == 0 && !q.target_gone())) return;
    }
  }
  double ats_timeout_ns() const override { return timeout_ns_; }
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
};

std::unique_ptr<QueueDiscipline> make(const Params& p) { return std::make_unique<SmmuCmdq>(p); }

}  // namespace

SVASIM_REGISTER(QueueDiscipline, "smmu-cmdq", make,
                {.description = "SMMUv3 command queue: lock-free (cmpxchg on prod), CMD_SYNC polled without a lock, "
                                "full batches issued without a sync; one sync retry after a time-out",
                 .params = {"cpu.submit_ns", "cpu.desc_write_ns", "cpu.poll_ns", "queue.desc_bytes", "smmu.sync_timeout_ns"}});

}  // namespace svasim
