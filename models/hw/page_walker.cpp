#include "core/params.hpp"
#include "models/hw/page_walker.hpp"

#include <algorithm>

namespace svasim {

SVASIM_PARAM({.name = "iommu.iotlb_entries", .unit = "entries", .default_value = 2048, .max = 1 << 24, .integer = true,
              .description = "IOTLB entries (0: no IOTLB)",
              .source = "gem5 src/dev/arm/SMMUv3.py main TLB (no public figure for VT-d/AMD)"});
SVASIM_PARAM({.name = "iommu.iotlb_ways", .unit = "ways", .default_value = 4, .min = 1, .max = 1 << 24, .integer = true,
              .description = "IOTLB associativity",
              .source = "gem5 src/dev/arm/SMMUv3.py main TLB (4-way)"});
SVASIM_PARAM({.name = "iommu.pwc_pml4_entries", .unit = "entries", .default_value = 4, .max = 4096, .integer = true,
              .description = "paging-structure cache of PML4 entries",
              .source = "gem5 src/dev/arm/SMMUv3.py walk cache S1 L0"});
SVASIM_PARAM({.name = "iommu.pwc_pdpt_entries", .unit = "entries", .default_value = 28, .max = 4096, .integer = true,
              .description = "paging-structure cache of PDPT entries",
              .source = "gem5 src/dev/arm/SMMUv3.py walk cache S1 L1"});
SVASIM_PARAM({.name = "iommu.pwc_pd_entries", .unit = "entries", .default_value = 348, .max = 4096, .integer = true,
              .description = "paging-structure cache of PD entries",
              .source = "gem5 src/dev/arm/SMMUv3.py walk cache S1 L2"});
SVASIM_PARAM({.name = "iommu.pwc_ways", .unit = "ways", .default_value = 4, .min = 1, .max = 4096, .integer = true,
              .description = "associativity of each paging-structure cache level (the largest divisor of its size up to "
                             "this; levels as small as this are fully associative)",
              .source = "gem5 src/dev/arm/SMMUv3.py (walk_assoc 4)"});
SVASIM_PARAM({.name = "iommu.iotlb_miss_ns", .unit = "ns", .default_value = 40, .max = 1e9,
              .description = "fixed cost of an IOTLB miss besides the walk's memory reads; with one read the miss costs "
                             "~237 ns",
              .source = "derived from pcie-bench: IOTLB miss +229..297 ns on a 64 B read"});
SVASIM_PARAM({.name = "iommu.walk_read_ns", .unit = "ns", .default_value = 197, .max = 1e9,
              .description = "memory latency per page-walk read",
              .source = "Rubin et al., 'Fast & Safe IO memory protection', SOSP 2024 (Cascade Lake)"});

namespace {
// The span each paging-structure cache level maps: a cached PML4E covers 512 GiB, a PDPTE 1 GiB, a PDE 2 MiB.
constexpr unsigned kLevelShift[3] = {39, 30, 21};
// The largest way count <= `ways` that divides `entries` (a cache with fewer entries is fully associative).
std::size_t pwc_ways(std::size_t entries, std::size_t ways) {
  if (entries == 0) return 1;
  for (std::size_t w = std::min(ways, entries); w > 1; --w)
    if (entries % w == 0) return w;
  return 1;
}

}  // namespace

PageWalker::PageWalker(const WalkerConfig& c)
    : iotlb_(c.iotlb_entries, c.iotlb_ways, Replacement::lru),
      pwc_{TranslationCache(c.pwc_entries[0], pwc_ways(c.pwc_entries[0], c.pwc_ways), Replacement::lru),
           TranslationCache(c.pwc_entries[1], pwc_ways(c.pwc_entries[1], c.pwc_ways), Replacement::lru),
           TranslationCache(c.pwc_entries[2], pwc_ways(c.pwc_entries[2], c.pwc_ways), Replacement::lru)} {}

Translation PageWalker::translate(std::uint32_t scope, std::uint64_t addr, unsigned page_shift, bool present) {
  Translation t;
  if (iotlb_.lookup(scope, addr, page_shift) >= 0) {
    t.iotlb_hit = true;
    return t;
  }
  // A 4 KiB leaf sits at level 4 (4 reads cold), a 2 MiB leaf at level 3 (3 reads cold). The deepest
  // cached level saves every read above it; the walk then fills the levels it read.
  const unsigned leaf_level = page_shift >= 21 ? 3 : 4;
  unsigned start = 0;  // number of levels skipped thanks to the paging-structure caches
  for (unsigned level = leaf_level - 1; level > 0; --level) {
    const auto bit = static_cast<std::uint8_t>(1u << (level - 1));
    if (pwc_[level - 1].lookup(scope, addr, kLevelShift[level - 1]) >= 0) {
      t.pwc_hits |= bit;
      start = level;
      break;
    }
    t.pwc_misses |= bit;
  }
  t.memory_reads = leaf_level - start;
  for (unsigned level = start + 1; level < leaf_level; ++level) pwc_[level - 1].insert(scope, addr, kLevelShift[level - 1]);
  t.present = present;
  if (present) iotlb_.insert(scope, addr, page_shift);
  return t;
}

std::size_t PageWalker::invalidate(std::uint32_t scope, std::uint64_t start, std::uint64_t end, bool whole) {
  std::size_t n = 0;
  if (whole) {
    n += iotlb_.invalidate_scope(scope);
    for (auto& c : pwc_) n += c.invalidate_scope(scope);
    return n;
  }
  n += iotlb_.invalidate_range(scope, start, end);
  for (auto& c : pwc_) n += c.invalidate_range(scope, start, end);
  return n;
}

}  // namespace svasim
