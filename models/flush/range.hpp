#pragma once
// Range arithmetic of the VT-d drivers, kept apart so tests can check it against the kernel's own examples.
#include <cstdint>

namespace svasim {

struct PsiBlock {
  std::uint64_t addr = 0;  // aligned start address
  std::uint64_t pages = 0; // 2^mask
  unsigned mask = 0;
};

// calculate_psi_aligned_address() (intel/cache.c, 6.10+): one naturally aligned block covering
// [start, end] (end inclusive, bytes), widened up to the lowest bit start and end pfn share (max 52).
PsiBlock psi_aligned_block(std::uint64_t start, std::uint64_t end_inclusive);

// intel_flush_svm_range_dev() (svm.c, <= 6.9): the power-of-two chunk size and the number of aligned
// chunks covering [address, address + pages*4K): 1, or 2 when the range straddles a chunk boundary.
struct SvmChunks {
  std::uint64_t first = 0;       // address of the first chunk
  std::uint64_t chunk_pages = 0; // __roundup_pow_of_two(pages)
  unsigned mask = 0;             // ilog2(chunk_pages)
  std::uint64_t count = 0;
};
SvmChunks svm_range_chunks(std::uint64_t address, std::uint64_t pages);

}  // namespace svasim
