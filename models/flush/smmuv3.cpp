// Arm SMMUv3, Linux 6.11+ (arm-smmu-v3-sva.c, arm-smmu-v3.c): arm_smmu_mm_arch_invalidate_secondary_tlbs()
// of the SVA domain of one (mm, SMMU): TLBI (by ASID, or by VA through __arm_smmu_tlb_inv_range()),
// then arm_smmu_atc_inv_domain(). Commands are gathered by arm_smmu_cmdq_batch_add() and issued by
// arm_smmu_cmdq_issue_cmdlist(); only arm_smmu_cmdq_batch_submit() adds a CMD_SYNC.
#include <algorithm>
#include <bit>
#include <stdexcept>
#include <vector>

#include "core/params.hpp"
#include "models/flush/planner.hpp"

namespace svasim {

SVASIM_PARAM({.name = "smmu.cmdq_batch_size", .unit = "commands", .default_value = 64, .min = 1, .max = 4096, .integer = true,
              .description = "commands per SMMUv3 batch; a full batch is issued without CMD_SYNC",
              .source = "CMDQ_BATCH_ENTRIES, arm-smmu-v3.h"});
SVASIM_PARAM({.name = "smmu.max_tlbi_ops", .unit = "pages", .default_value = 512, .min = 1, .max = 1e9, .integer = true,
              .description = "without range invalidation, ranges of at least this many pages become one TLBI by ASID",
              .source = "CMDQ_MAX_TLBI_OPS = 1 << (PAGE_SHIFT - 3), arm-smmu-v3-sva.c"});
SVASIM_PARAM({.name = "smmu.range_inv", .unit = "bool", .default_value = 0, .max = 1, .integer = true,
              .description = "the SMMU implements FEAT_RANGE_INV (SMMUv3.2): TLBI by range commands instead of one per "
                             "page",
              .source = "ARM_SMMU_FEAT_RANGE_INV, arm-smmu-v3.c"});

namespace {

constexpr std::uint64_t kPage = 1ULL << kPageShift;
constexpr std::uint64_t kTlbiRangeNumMax = 31;  // CMDQ_TLBI_RANGE_NUM_MAX: 5-bit NUM field

// struct arm_smmu_cmdq_batch.
class CmdqBatch {
public:
  // `locked`: the commands are gathered under the domain's devices_lock, so full batches are issued with it held.
  CmdqBatch(FlushPlan& out, int iommu, std::size_t cap, bool locked = false) : out_(out), cap_(cap), locked_(locked) {
    cur_.iommu = iommu;
  }
  // arm_smmu_cmdq_batch_add(): a full batch is issued (without CMD_SYNC) only when one more command
  // arrives, so exactly `cap` commands still end up in one synced submission.
  void add(const Descriptor& d) {
    if (cur_.descs.size() == cap_) {
      cur_.wait = false;
      cur_.under_devices_lock = locked_;
      out_.submissions.push_back(cur_);
      cur_.descs.clear();
    }
    cur_.descs.push_back(d);
  }
  // arm_smmu_cmdq_batch_submit(): the rest plus CMD_SYNC.
  void submit() {
    cur_.wait = true;
    cur_.under_devices_lock = false;
    out_.submissions.push_back(cur_);
    cur_.descs.clear();
  }

private:
  FlushPlan& out_;
  std::size_t cap_;
  bool locked_;
  Submission cur_;
};

unsigned ceil_log2(std::uint64_t x) { return x <= 1 ? 0 : static_cast<unsigned>(std::bit_width(x - 1)); }

class Smmuv3Planner final : public FlushPlanner {
public:
  Smmuv3Planner(std::size_t batch, std::uint64_t max_tlbi_ops, bool range_inv)
      : batch_(batch), max_tlbi_ops_(max_tlbi_ops), range_inv_(range_inv) {}

  void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const override {
    // The kernel's domain is per (mm, SMMU), so all attachments share one SMMU. Should a domain span
    // several, each SMMU's command queue still needs its own commands: plan per SMMU, in order of the
    // first attachment behind it.
    std::vector<int> smmus;
    for (const Attachment& a : domain.attachments)
      if (std::find(smmus.begin(), smmus.end(), a.iommu) == smmus.end()) smmus.push_back(a.iommu);
    for (int smmu : smmus) plan_smmu(domain, smmu, range, out);
  }

private:
  void plan_smmu(const SvaDomain& domain, int smmu, const UnmapRange& range, FlushPlan& out) const {
    // size = end - start (the full range gives ULONG_MAX). Without FEAT_RANGE_INV, ranges of at least
    // CMDQ_MAX_TLBI_OPS pages become size 0; with it only ULONG_MAX does. size 0 means "everything"
    // both for the TLBI (by ASID) and, below, for the ATC_INV. An empty range (end == start) also has
    // size 0 and so also flushes by ASID, as the kernel does.
    std::uint64_t size = range.end - range.start;
    if (!range_inv_) {
      if (size / kPage >= max_tlbi_ops_) size = 0;  // size >= CMDQ_MAX_TLBI_OPS * PAGE_SIZE
    } else if (size == UINT64_MAX) {
      size = 0;
    }

    if (size == 0) {
      // arm_smmu_tlb_inv_asid(): arm_smmu_cmdq_issue_cmd_with_sync(CMDQ_OP_TLBI_NH_ASID).
      out.submissions.push_back(
          Submission{smmu, {Descriptor{DescKind::smmu_tlbi_asid, -1, 0, kMaxAgawPfnWidth, true}}, true});
    } else {
      tlb_inv_range(smmu, range.start, size, out);
    }
    atc_inv_domain(domain, smmu, range.start, size, out);
  }

  // __arm_smmu_tlb_inv_range() via arm_smmu_tlb_inv_range_asid(start, size, asid, PAGE_SIZE,
  // leaf = false): one TLBI_VA per 4K page, or with FEAT_RANGE_INV the range-command loop.
  void tlb_inv_range(int smmu, std::uint64_t iova, std::uint64_t size, FlushPlan& out) const {
    const std::uint64_t end = iova + size;
    CmdqBatch cmds(out, smmu, batch_);
    // num_pages = size >> tg; notifier ranges are page aligned, rounding up only matters otherwise.
    std::uint64_t num_pages = size / kPage + (size % kPage != 0);
    // Non-leaf (SVA passes leaf = false): TTL stays 0, and to "avoid the SVA corner case where both
    // scale and num could be 0" a page count whose low 5 bits are 1 is bumped by one page.
    if (range_inv_ && (num_pages & kTlbiRangeNumMax) == 1) num_pages++;
    while (iova < end) {
      std::uint64_t inv_range = kPage;  // granule
      unsigned mask = 0;
      if (range_inv_) {
        if (num_pages == 0) break;  // cannot happen for page-aligned sizes; __ffs(0) is undefined
        // scale = __ffs(num_pages); num = (num_pages >> scale) & 31; range = num << scale pages.
        const unsigned scale = static_cast<unsigned>(std::countr_zero(num_pages));
        const std::uint64_t num = (num_pages >> scale) & kTlbiRangeNumMax;
        inv_range = (num << scale) << kPageShift;
        num_pages -= num << scale;
        // NUM * 2^SCALE pages need not be a power of two; record the enclosing power of two.
        mask = ceil_log2(num << scale);
      }
      cmds.add(Descriptor{DescKind::smmu_tlbi_va, -1, iova, mask, false});
      if (iova > UINT64_MAX - inv_range) break;  // the top of the address space is reached
      iova += inv_range;
    }
    cmds.submit();
  }

  // arm_smmu_atc_inv_domain(): nothing unless the domain has an ATS master (nr_ats_masters), else one
  // ATC_INV per stream ID of every ATS master, batched, then CMD_SYNC.
  void atc_inv_domain(const SvaDomain& domain, int smmu, std::uint64_t iova, std::uint64_t size,
                      FlushPlan& out) const {
    bool any_ats = false;
    for (const Attachment& a : domain.attachments) any_ats = any_ats || (a.iommu == smmu && a.ats);
    if (!any_ats) return;
    // arm_smmu_atc_inv_to_cmd(): size 0 -> ATC_INV_SIZE_ALL; else the naturally aligned span of pages
    // holding [iova, iova + size): log2_span = fls_long(page_start ^ page_end).
    Descriptor d{DescKind::smmu_atc_inv, -1, 0, kMaxAgawPfnWidth, true};
    if (size != 0) {
      const std::uint64_t page_start = iova >> kPageShift;
      const std::uint64_t page_end = (iova + size - 1) >> kPageShift;
      const unsigned log2_span = static_cast<unsigned>(std::bit_width(page_start ^ page_end));
      const std::uint64_t span_mask = (1ULL << log2_span) - 1;
      d.addr = (page_start & ~span_mask) << kPageShift;
      d.mask = log2_span;
      d.whole_pasid = false;
    }
    // spin_lock_irqsave(&smmu_domain->devices_lock) around the walk of the masters; batch_submit() after it.
    CmdqBatch cmds(out, smmu, batch_, true);
    for (const Attachment& a : domain.attachments) {
      if (a.iommu != smmu || !a.ats) continue;
      d.device = a.device;
      for (int s = 0; s < a.streams; ++s) cmds.add(d);  // cmd.atc.sid = master->streams[i].id
    }
    cmds.submit();
  }

  std::size_t batch_;
  std::uint64_t max_tlbi_ops_;
  bool range_inv_;
};

}  // namespace

static std::unique_ptr<FlushPlanner> make_planner(const Params& p) {
  const std::int64_t batch = p.get_int("smmu.cmdq_batch_size");
  const std::int64_t ops = p.get_int("smmu.max_tlbi_ops");
  if (batch < 1 || ops < 1) throw std::logic_error("smmu.cmdq_batch_size and smmu.max_tlbi_ops must be >= 1");
  return std::make_unique<Smmuv3Planner>(static_cast<std::size_t>(batch), static_cast<std::uint64_t>(ops),
                                         p.get_bool("smmu.range_inv"));
}

SVASIM_REGISTER(FlushPlanner, "smmuv3", make_planner,
                {.description = "SMMUv3 6.11+: TLBI + CMD_SYNC and ATC_INV per stream + CMD_SYNC per SMMU, batches of 64",
                 .params = {"cpu.notifier_ns", "smmu.cmdq_batch_size", "smmu.max_tlbi_ops", "smmu.range_inv"},
                 .companions = {{"queue", "smmu-cmdq"}, {"arch", "arm64"}}});

}  // namespace svasim
