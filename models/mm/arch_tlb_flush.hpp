#pragma once
// The CPU side of an unmap: what range the architecture's TLB flush hands to the secondary-TLB notifier
// (mmu_notifier_arch_invalidate_secondary_tlbs), which is what an SVA driver then flushes. Each
// architecture widens large ranges to the whole address space at its own threshold, and some unmap
// paths always pass everything. Pure: unit-tested without SimGrid.
#include <memory>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "core/unmap_kind.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

class ArchTlbFlush {
public:
  static constexpr AxisInfo kAxis{"arch", "CPU TLB flush paths", "models.arch", 6};
  using FactoryType = Factory<ArchTlbFlush, const Params&>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~ArchTlbFlush() = default;
  // The notifier calls, in order, when `range` is unmapped by `kind` (appended to `out`), the mapping's
  // page size being 2^stride_shift bytes (12 for 4 KiB pages, 21 for THP).
  virtual void notifier_ranges(const UnmapRange& range, UnmapKind kind, unsigned stride_shift,
                               std::vector<UnmapRange>& out) const = 0;
};

// The whole address space, as flush_tlb_mm() and TLB_FLUSH_ALL pass it: start 0, end ~0UL.
inline constexpr UnmapRange kWholeAddressSpace{0, UINT64_MAX};

// Reclaim's calls: one per page of the mapping, each made of `per_page(page range)`.
template <class PerPage>
void per_page_calls(const UnmapRange& range, unsigned stride_shift, std::vector<UnmapRange>& out, PerPage per_page) {
  const std::uint64_t step = std::uint64_t{1} << stride_shift;
  for (std::uint64_t a = range.start; a < range.end; a += step) out.push_back(per_page(UnmapRange{a, a + step}));
}

inline std::unique_ptr<ArchTlbFlush> make_arch_tlb_flush(const std::string& name, const Params& p) {
  return ArchTlbFlush::factory().make(name, p);
}

}  // namespace svasim
