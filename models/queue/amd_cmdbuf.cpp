// AMD IOMMU command buffer (amd/iommu.c iommu_queue_command(), iommu_completion_wait()): commands written
// under iommu->lock, the completion wait polled without it (wait_on_sem()). After a completion-wait
// time-out the driver reports it and goes on: no retry.
#include "models/flush/lifecycle.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "amd.completion_timeout_ns", .unit = "ns", .default_value = 1e8, .min = 1000, .max = 1e13,
              .description = "AMD completion-wait time-out; the driver reports it and goes on",
              .source = "wait_on_sem(), Linux amd iommu"});

class AmdCmdbuf final : public QueueDiscipline {
public:
  explicit AmdCmdbuf(const Params& p) : timeout_ns_(p.get("amd.completion_timeout_ns")) {}

  void issue(QueueOps& q) const override {
    q.lock();
    q.write_and_ring();
    q.unlock();
    if (!q.submission().wait) return;
    q.wait_for_status();
    if (q.aborted()) q.resubmit(false);  // reported, not retried
  }
  double ats_timeout_ns() const override { return timeout_ns_; }
  void plan_bind(const Attachment& a, const AttachResult& r, bool, FlushPlan& out) const override {
    plan_amd_bind(a, r, out);
  }
  void plan_unbind(const Attachment& a, const DetachResult& r, bool, FlushPlan& out) const override {
    plan_amd_unbind(a, r, out);
  }

private:
  double timeout_ns_;
};

std::unique_ptr<QueueDiscipline> make(const Params& p) { return std::make_unique<AmdCmdbuf>(p); }

}  // namespace

SVASIM_REGISTER(QueueDiscipline, "amd-cmdbuf", make,
                {.description = "AMD command buffer: commands written under iommu->lock, completion wait polled "
                                "without it; a time-out is reported, not retried",
                 .params = {"cpu.submit_ns", "cpu.desc_write_ns", "cpu.poll_ns", "queue.desc_bytes", "amd.completion_timeout_ns"}});

}  // namespace svasim
