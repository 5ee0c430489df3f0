#include "models/flush/range.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "models/flush/plan.hpp"

namespace svasim {

namespace {
constexpr std::uint64_t kPageSize = 1ULL << kPageShift;
// 2^52 pages of 4K is the whole 64-bit address space; no block needs a larger mask.
constexpr std::uint64_t kMaxPages = 1ULL << kMaxAgawPfnWidth;

// ilog2(): floor(log2(x)), x > 0.
unsigned ilog2(std::uint64_t x) { return static_cast<unsigned>(std::bit_width(x) - 1); }
}  // namespace

PsiBlock psi_aligned_block(std::uint64_t start, std::uint64_t end_inclusive) {
  if (end_inclusive < start) throw std::invalid_argument("psi_aligned_block: end before start");
  // pages = aligned_nrpages(start, end - start + 1): the 4K pages touched by [start, end]. Written with
  // pfns so that a range reaching the top of the address space cannot overflow.
  const std::uint64_t pfn = start >> kPageShift;     // IOVA_PFN(start)
  const std::uint64_t end_pfn = end_inclusive >> kPageShift;
  const std::uint64_t pages = end_pfn - pfn + 1;
  std::uint64_t aligned_pages = std::bit_ceil(pages);  // __roundup_pow_of_two(pages); pages <= 2^52
  const std::uint64_t bitmask = aligned_pages - 1;
  unsigned mask = ilog2(aligned_pages);

  // "PSI masks the low order bits of the base address": an unaligned start widens the block to the
  // lowest bit above bitmask that pfn and end_pfn share. end_pfn <= pfn + bitmask, so bits above bitmask
  // can only differ by a carry; the first shared one bounds a naturally aligned block holding both.
  if (bitmask & pfn) {
    const std::uint64_t shared_bits = ~(pfn ^ end_pfn) & ~bitmask;
    mask = shared_bits ? static_cast<unsigned>(std::countr_zero(shared_bits)) : kMaxAgawPfnWidth;
    // "iommu/vt-d: Limit max address mask to MAX_AGAW_PFN_WIDTH" (July 2024 fix). pfns are < 2^52, so
    // bit 52 is always shared and this only documents the cap.
    mask = std::min(mask, kMaxAgawPfnWidth);
    // "iommu/vt-d: Fix aligned pages in calculate_psi_aligned_address()" (July 2024 fix): pages follow
    // the widened mask, so the PIOTLB built from `pages` covers the same block as the devTLB. Before
    // the fix the PIOTLB kept the unwidened size (an under-invalidation); svasim models the fixed code.
    aligned_pages = 1ULL << mask;
  }

  PsiBlock b;
  b.mask = mask;
  b.pages = aligned_pages;
  // ALIGN_DOWN(start, VTD_PAGE_SIZE << mask); with mask 52 the shift is 2^64, i.e. address 0.
  b.addr = mask >= kMaxAgawPfnWidth ? 0 : start & ~((kPageSize << mask) - 1);
  return b;
}

SvmChunks svm_range_chunks(std::uint64_t address, std::uint64_t pages) {
  SvmChunks c;
  c.first = address;
  // __flush_svm_range_dev() has WARN_ON(!pages): nothing is flushed.
  if (pages == 0) return c;
  // intel_flush_svm_range_dev(): shift = ilog2(__roundup_pow_of_two(pages)), align = 4K << shift.
  c.chunk_pages = std::bit_ceil(std::min(pages, kMaxPages));
  c.mask = ilog2(c.chunk_pages);
  if (c.mask >= kMaxAgawPfnWidth) {
    // align would be 2^64: one chunk is the whole address space (the kernel's arithmetic would wrap).
    c.first = 0;
    c.count = 1;
    return c;
  }
  // start = ALIGN_DOWN(address, align), end = ALIGN(address + pages * 4K, align), one chunk per align
  // step: 1 chunk, or 2 when [address, address + pages * 4K) straddles an align boundary (pages <= align).
  const unsigned shift = kPageShift + c.mask;
  const std::uint64_t bytes = pages << kPageShift;  // pages <= 2^51 here
  const std::uint64_t last = address > UINT64_MAX - (bytes - 1) ? UINT64_MAX : address + (bytes - 1);
  c.first = (address >> shift) << shift;
  c.count = (last >> shift) - (address >> shift) + 1;
  return c;
}

}  // namespace svasim
