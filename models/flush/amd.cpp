// AMD IOMMU, Linux 6.10+ (amd/pasid.c, amd/iommu.c): sva_arch_invalidate_secondary_tlbs() calls
// amd_iommu_dev_flush_pasid_pages(dev_data, pasid, start, end - start) for every (device, PASID) of
// the SVA protection domain: INVALIDATE_IOMMU_PAGES, for ATS devices INVALIDATE_IOTLB_PAGES
// (device_flush_iotlb()), then iommu_completion_wait(). No de-duplication per IOMMU.
#include <bit>

#include "models/flush/planner.hpp"

namespace svasim {

namespace {

constexpr std::uint64_t kPage = 1ULL << kPageShift;

struct AmdBlock {
  std::uint64_t addr = 0;
  unsigned mask = 0;  // log2 of the 4K pages covered
  bool all = false;
};

// build_inv_address(address, size): one page, or the naturally aligned block up to the most
// significant bit in which start and end differ; all pages when that bit is above 51 (bits 63:52 are
// a sign extension), which is what the full range [0, -1UL) produces.
AmdBlock inv_block(std::uint64_t address, std::uint64_t size) {
  // iommu_num_pages(address, size, PAGE_SIZE) == 1: the range stays inside one 4K page.
  if (size <= kPage - (address & (kPage - 1))) return {address & ~(kPage - 1), 0, false};
  const std::uint64_t end = address + size - 1;
  const unsigned msb_diff = static_cast<unsigned>(std::bit_width(end ^ address)) - 1;  // fls64() - 1
  if (msb_diff > 51) return {0, kMaxAgawPfnWidth, true};  // CMD_INV_IOMMU_ALL_PAGES_ADDRESS
  // "address |= (1ull << msb_diff) - 1": the block of 2^(msb_diff + 1) bytes holding both ends.
  const unsigned block_shift = msb_diff + 1;
  return {address & ~((1ULL << block_shift) - 1), block_shift - kPageShift, false};
}

class AmdPlanner final : public FlushPlanner {
public:
  void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const override {
    if (!range.is_full() && range.end <= range.start) return;  // no page to flush
    const AmdBlock b = inv_block(range.start, range.end - range.start);
    // for_each_pdom_dev_data(): every attachment gets its own command sequence and completion wait,
    // on the IOMMU behind that device, even when several devices share an IOMMU.
    for (const Attachment& a : domain.attachments) {
      Submission s{a.iommu, {Descriptor{DescKind::amd_inv_iommu_pages, -1, b.addr, b.mask, b.all}}, true};
      if (a.ats) s.descs.push_back(Descriptor{DescKind::amd_inv_iotlb_pages, a.device, b.addr, b.mask, b.all});
      out.submissions.push_back(std::move(s));
    }
  }
  // sva_arch_invalidate_secondary_tlbs() flushes every device under sva_pdom->lock.
  bool flush_under_domain_lock() const override { return true; }
};

}  // namespace

static std::unique_ptr<FlushPlanner> make_planner(const Params&) { return std::make_unique<AmdPlanner>(); }

SVASIM_REGISTER(FlushPlanner, "amd", make_planner,
                {.description = "AMD 6.10+: per device-PASID INVALIDATE_IOMMU_PAGES + device IOTLB + completion wait (N waits)",
                 .params = {"cpu.notifier_ns"},
                 .companions = {{"queue", "amd-cmdbuf"}, {"arch", "x86"}}});

}  // namespace svasim
