// AMD IOMMU command buffer (amd/iommu.c, Linux 6.10-6.15 as read): iommu_queue_command() takes
// iommu->lock (a raw spinlock, irqs off) per command, and copy_cmd_to_buffer() writes the tail register
// after every command, so a device flush of INVALIDATE_IOMMU_PAGES + INVALIDATE_IOTLB_PAGES +
// COMPLETION_WAIT is three tail writes (three VM exits in a guest). iommu_completion_wait() queues the
// COMPLETION_WAIT and polls it (wait_on_sem()) with iommu->lock held throughout: every other CPU's
// command to that IOMMU waits for the whole wait. The CPU polls for LOOP_TIMEOUT microseconds (100 ms),
// then reports "Completion-Wait loop timed out" (-EIO) and goes on; the IOMMU itself waits up to its
// invalidation time-out (1 s) for a device's answer, and the commands behind that one wait with it.
#include "models/flush/lifecycle.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "amd.completion_timeout_ns", .unit = "ns", .default_value = 1e8, .min = 1000, .max = 1e13,
              .description = "how long the CPU polls a completion wait before it reports \"Completion-Wait loop timed "
                             "out\" (-EIO) and goes on, leaving the commands to the IOMMU: LOOP_TIMEOUT (100000) "
                             "polls of udelay(1)",
              .source = "wait_on_sem(), drivers/iommu/amd/iommu.c; LOOP_TIMEOUT, amd_iommu_types.h (6.7-6.15)"});

SVASIM_PARAM({.name = "amd.inv_timeout_ns", .unit = "ns", .default_value = 1e9, .min = 1000, .max = 1e13,
              .description = "the IOMMU's IOTLB invalidation time-out: how long it waits for a device's answer to "
                             "INVALIDATE_IOTLB_PAGES before it logs IOTLB_INV_TIMEOUT and goes on (the commands "
                             "behind it wait meanwhile)",
              .source = "iommu_init_flags(), drivers/iommu/amd/init.c: iommu_set_inv_tlb_timeout(CTRL_INV_TO_1S); "
                        "AMD IOMMU specification 48882, MMIO Control Register InvTimeOut"});

SVASIM_PARAM({.name = "amd.cmdbuf_entries", .unit = "commands", .default_value = 512, .min = 8, .max = 32768,
              .integer = true,
              .description = "AMD command buffer size in 16-byte commands: a CPU writes a command only with more than two "
                             "commands' room left after it, polling the head register (iommu->lock held) until the IOMMU "
                             "has consumed enough. The driver's buffer is 8 KiB; the hardware allows 2^8..2^15 entries. The "
                             "driver's \"Command buffer timeout\" (-EIO after LOOP_TIMEOUT polls, the command dropped) is "
                             "not modelled: the CPU waits on",
              .source = "CMD_BUFFER_SIZE 8192, amd_iommu_types.h; __iommu_queue_command_sync(), amd/iommu.c 6.10-6.15; "
                        "AMD IOMMU specification 48882, Command Buffer Base Address Register ComLen"});

class AmdCmdbuf final : public QueueDiscipline {
public:
  explicit AmdCmdbuf(const Params& p)
      : cpu_timeout_ns_(p.get("amd.completion_timeout_ns")), inv_timeout_ns_(p.get("amd.inv_timeout_ns")),
        entries_(static_cast<int>(p.get_int("amd.cmdbuf_entries"))) {}

  void issue(QueueOps& q) const override {
    const Submission& s = q.submission();
    const int commands = command_count(s);
    for (std::size_t i = 0; i < s.descs.size(); ++i) {  // iommu_queue_command() per command
      q.lock();
      if (is_last_command(s, i)) q.reserve_command_slots(commands);
      q.write_command_and_ring(i);
      q.unlock();
    }
    if (!s.wait) return;
    q.lock();  // iommu_completion_wait(): the lock is held across wait_on_sem()
    q.reserve_command_slots(commands);
    q.write_command_and_ring(s.descs.size());
    const bool seen = q.wait_for_status_within(cpu_timeout_ns_);
    q.unlock();
    // "Completion-Wait loop timed out" (-EIO), or a wait completed after the IOMMU's IOTLB_INV_TIMEOUT:
    // reported, never retried.
    if (!seen || q.aborted()) q.resubmit(false);
  }
  double ats_timeout_ns() const override { return inv_timeout_ns_; }
  int queue_entries() const override { return entries_; }
  const char* submit_call() const override { return "iommu_queue_command"; }
  void plan_bind(const Attachment& a, const AttachResult& r, bool, FlushPlan& out) const override {
    plan_amd_bind(a, r, out);
  }
  void plan_unbind(const Attachment& a, const DetachResult& r, bool, FlushPlan& out) const override {
    plan_amd_unbind(a, r, out);
  }
  void plan_release(const SvaDomain& d, bool, FlushPlan& out) const override { plan_amd_release(d, out); }
  // amd_iommu_page_response() -> amd_iommu_complete_ppr(): one COMPLETE_PPR_REQUEST through
  // iommu_queue_command() (iommu->lock, a tail write), no completion wait.
  bool plan_page_response(int iommu, int device, Submission& out) const override {
    out = Submission{iommu, {Descriptor{DescKind::amd_complete_ppr, device}}, false};
    return true;
  }
  bool release_under_domain_lock() const override { return true; }

private:
  double cpu_timeout_ns_, inv_timeout_ns_;
  int entries_;
};

std::unique_ptr<QueueDiscipline> make(const Params& p) { return std::make_unique<AmdCmdbuf>(p); }

}  // namespace

SVASIM_REGISTER(QueueDiscipline, "amd-cmdbuf", make,
                {.description = "AMD command buffer: iommu->lock and a tail write per command, the completion wait "
                                "polled with iommu->lock held for at most 100 ms; a time-out is reported, not retried",
                 .params = {"cpu.submit_ns", "cpu.desc_write_ns", "cpu.poll_ns", "queue.desc_bytes", "amd.completion_timeout_ns",
                            "amd.inv_timeout_ns", "amd.cmdbuf_entries"}});

}  // namespace svasim
