#pragma once
// The IOMMU side of a translation: IOTLB lookup, then the paging-structure caches that decide how many
// of the 4 page-table levels a walk must read, then the walk. Pure: the DMA hot path calls it inline and
// turns the returned counts into time; SimGrid never sees a translation.
#include <cstdint>

#include "models/hw/translation_cache.hpp"

namespace svasim {

struct WalkerConfig {
  std::size_t iotlb_entries = 2048, iotlb_ways = 4;
  // Paging-structure caches for the PML4E (512 GiB), PDPTE (1 GiB) and PDE (2 MiB) levels.
  std::size_t pwc_entries[3] = {4, 28, 348};
  std::size_t pwc_ways = 4;  // at most; a level with fewer entries is fully associative
  // Nested translation (a guest's first-stage tables under the host's second stage): every table page
  // the first stage reads, and the page it ends at, are guest-physical and go through the second stage:
  // its leaf cache, its paging-structure caches, then its own walk. A cold 4 KiB walk under a 4 KiB
  // second stage reads 4 + 5 x 4 = 24 entries.
  bool nested = false;
  std::size_t s2_tlb_entries = 64, s2_tlb_ways = 4;
  std::size_t s2_pwc_entries[3] = {4, 16, 32};
  unsigned s2_page_shift = 12;
};

struct Translation {
  bool iotlb_hit = false;
  unsigned memory_reads = 0;  // page-walk reads (0 on an IOTLB hit)
  // The paging-structure caches the walk looked up, deepest first until one hit: bit L-1 for level L
  // (1 PML4E, 2 PDPTE, 3 PDE).
  std::uint8_t pwc_hits = 0, pwc_misses = 0;
  // Nested: of memory_reads, those the second stage made, and its leaf-cache lookups and misses.
  unsigned s2_reads = 0, s2_lookups = 0, s2_misses = 0;
  bool present = true;        // false: the walk found no valid leaf -> I/O page fault
  // On a hit: the entry's stamp, when its translation is there (a walk still in flight fills it later).
  std::int64_t ready_stamp = 0;
};

class PageWalker {
public:
  explicit PageWalker(const WalkerConfig& c);
  // Translates `addr` of the address space `scope` (domain/PASID tag of the IOTLB), whose mapping has
  // 2^page_shift bytes (12 or 21). `present` is the leaf PTE's state in the process page table; a
  // non-present leaf is not cached. Upper levels are always present (SVA shares the CPU page tables).
  Translation translate(std::uint32_t scope, std::uint64_t addr, unsigned page_shift, bool present);
  // A PASID-based IOTLB invalidation with IH=0: the IOTLB entries and the paging-structure cache
  // entries that could translate [start, end). whole: everything of the scope.
  // The walk of a present leaf ends at `ready_stamp`: a hit before then waits for it (the IOMMU merges
  // the second miss into the walk in flight).
  void filled(std::uint32_t scope, std::uint64_t addr, unsigned page_shift, std::int64_t ready_stamp) {
    iotlb_.insert(scope, addr, page_shift, ready_stamp);
  }
  std::size_t invalidate(std::uint32_t scope, std::uint64_t start, std::uint64_t end, bool whole);
  const CacheCounters& iotlb_counters() const { return iotlb_.counters(); }

private:
  // The second stage for one guest-physical address: its leaf cache, else a walk. Returns its reads.
  unsigned translate_s2(std::uint64_t gpa, Translation& t);

  TranslationCache iotlb_;
  TranslationCache pwc_[3];  // [0] PML4E (shift 39), [1] PDPTE (shift 30), [2] PDE (shift 21)
  bool nested_ = false;
  unsigned s2_shift_ = 12;
  TranslationCache s2_tlb_;
  TranslationCache s2_pwc_[3];
};

}  // namespace svasim
