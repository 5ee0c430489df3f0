#include "models/hw/page_walker.hpp"

#include <algorithm>

namespace svasim {

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
  for (unsigned level = leaf_level - 1; level > 0; --level)
    if (pwc_[level - 1].lookup(scope, addr, kLevelShift[level - 1]) >= 0) {
      start = level;
      break;
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
