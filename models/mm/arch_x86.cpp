// x86, Linux 6.6-6.14: flush_tlb_mm_range() (arch/x86/mm/tlb.c) replaces start/end by 0..TLB_FLUSH_ALL
// when (end - start) >> stride_shift exceeds tlb_single_page_flush_ceiling, *before* it calls
// mmu_notifier_arch_invalidate_secondary_tlbs(mm, start, end); so an SVA driver sees a full flush for
// any unmap of more than 33 pages. arch_tlbbatch_add_pending() (arch/x86/include/asm/tlbflush.h), the
// reclaim/migration batch, passes 0..-1UL for every page it unmaps. (From 6.15, 4a02ed8e1cc3 "x86/mm: Consolidate full
// flush threshold decision" moved the decision into get_flush_tlb_info() and the notifier gets the
// unwidened range: a later kernel needs its own model.)
#include "models/mm/arch_tlb_flush.hpp"

namespace svasim {

SVASIM_PARAM({.name = "x86.tlb_single_page_flush_ceiling", .unit = "pages", .default_value = 33, .min = 0,
              .max = 1e12, .integer = true,
              .description = "flush_tlb_mm_range() flushes everything (and tells the notifier 0..TLB_FLUSH_ALL) "
                             "above this many pages of the mapping's size; tunable in debugfs",
              .source = "tlb_single_page_flush_ceiling, arch/x86/mm/tlb.c (v6.6-v6.14, read at the "
                        "mmu_notifier_arch_invalidate_secondary_tlbs call in flush_tlb_mm_range)"});

namespace {

class X86TlbFlush final : public ArchTlbFlush {
public:
  explicit X86TlbFlush(std::uint64_t ceiling) : ceiling_(ceiling) {}

  void notifier_ranges(const UnmapRange& range, UnmapKind kind, unsigned stride_shift,
                       std::vector<UnmapRange>& out) const override {
    // arch_tlbbatch_add_pending(): mmu_notifier_arch_invalidate_secondary_tlbs(mm, 0, -1UL) per page.
    if (kind == UnmapKind::reclaim && !range.is_full())
      return per_page_calls(range, stride_shift, out, [](const UnmapRange&) { return kWholeAddressSpace; });
    // flush_tlb_mm_range(): "Should we flush just the requested range?"
    const bool widen = range.is_full() || ((range.end - range.start) >> stride_shift) > ceiling_;
    out.push_back(widen ? kWholeAddressSpace : range);
  }

private:
  std::uint64_t ceiling_;
};

std::unique_ptr<ArchTlbFlush> make(const Params& p) {
  return std::make_unique<X86TlbFlush>(static_cast<std::uint64_t>(p.get_int("x86.tlb_single_page_flush_ceiling")));
}

}  // namespace

SVASIM_REGISTER(ArchTlbFlush, "x86", make,
                {.description = "x86 (Linux 6.6-6.14): above 33 pages the notifier sees the whole address space; "
                                "reclaim passes it once per page",
                 .params = {"x86.tlb_single_page_flush_ceiling"},
                 .is_default = true});

}  // namespace svasim
