// arm64, Linux 6.9+: __flush_tlb_range_nosync() (arch/arm64/include/asm/tlbflush.h) falls back to
// flush_tlb_mm() -- whose notifier call passes 0..-1UL -- when the CPU lacks range TLBIs
// (FEAT_TLBIRANGE) and the range has MAX_DVM_OPS (PTRS_PER_PTE) pages or more, or when it exceeds
// MAX_TLBI_RANGE_PAGES; otherwise it passes the range through. Reclaim batching
// (arch_tlbbatch_add_pending -> __flush_tlb_page_nosync) tells the notifier one page at a time.
#include "models/mm/arch_tlb_flush.hpp"

namespace svasim {

SVASIM_PARAM({.name = "arm64.tlb_range", .unit = "bool", .default_value = 1, .max = 1, .integer = true,
              .description = "the CPUs implement FEAT_TLBIRANGE (range TLBIs), so only ranges beyond "
                             "MAX_TLBI_RANGE_PAGES become a flush of the whole mm; 0 for cores without it "
                             "(Neoverse N1), where MAX_DVM_OPS pages already do",
              .source = "FEAT_TLBIRANGE, Arm ARM (Armv8.4); system_supports_tlb_range(), arch/arm64. Default: "
                        "servers with SMMUv3 and SVA are Armv8.4+ (Neoverse V1/N2 and later); a choice"});
SVASIM_PARAM({.name = "arm64.max_dvm_ops", .unit = "pages", .default_value = 512, .min = 1, .max = 1e12,
              .integer = true,
              .description = "without range TLBIs, a range of this many pages or more flushes the whole mm",
              .source = "MAX_DVM_OPS = PTRS_PER_PTE (4 KiB granule), arch/arm64/include/asm/tlbflush.h"});

namespace {

// __TLBI_RANGE_PAGES(31, 3): the most one range TLBI covers (v6.9: "pages > MAX_TLBI_RANGE_PAGES").
constexpr std::uint64_t kMaxTlbiRangePages = 32ULL << 16;

class Arm64TlbFlush final : public ArchTlbFlush {
public:
  Arm64TlbFlush(bool tlb_range, std::uint64_t max_dvm_ops) : tlb_range_(tlb_range), max_dvm_ops_(max_dvm_ops) {}

  void notifier_ranges(const UnmapRange& range, UnmapKind kind, unsigned stride_shift,
                       std::vector<UnmapRange>& out) const override {
    // arch_tlbbatch_add_pending(): __flush_tlb_page_nosync() for each page, its own range.
    if (kind == UnmapKind::reclaim && !range.is_full())
      return per_page_calls(range, stride_shift, out, [](const UnmapRange& page) { return page; });
    out.push_back(flush_tlb_range(range, stride_shift));
  }

private:
  // __flush_tlb_range_nosync(): flush_tlb_mm() (notifier 0..-1UL) beyond the TLBI limits.
  UnmapRange flush_tlb_range(const UnmapRange& range, unsigned stride_shift) const {
    if (range.is_full()) return kWholeAddressSpace;
    const std::uint64_t pages = (range.end - range.start) >> stride_shift;
    if ((!tlb_range_ && pages >= max_dvm_ops_) || pages > kMaxTlbiRangePages) return kWholeAddressSpace;
    return range;
  }

  bool tlb_range_;
  std::uint64_t max_dvm_ops_;
};

std::unique_ptr<ArchTlbFlush> make(const Params& p) {
  return std::make_unique<Arm64TlbFlush>(p.get_int("arm64.tlb_range") != 0,
                                         static_cast<std::uint64_t>(p.get_int("arm64.max_dvm_ops")));
}

}  // namespace

SVASIM_REGISTER(ArchTlbFlush, "arm64", make,
                {.description = "arm64 (Linux 6.9+): ranges pass through up to the TLBI limits, then the whole mm; "
                                "reclaim passes each page",
                 .params = {"arm64.tlb_range", "arm64.max_dvm_ops"}});

}  // namespace svasim
