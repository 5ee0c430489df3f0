#include "core/params.hpp"
#include "models/hw/page_walker.hpp"

#include <algorithm>

namespace svasim {

// The defaults describe an Intel Xeon Scalable (Skylake-SP) server, as models/platform/intel_skylake_sp.cpp
// does; no vendor publishes VT-d cache geometry, so each value says where it comes from or that it is chosen.
SVASIM_PARAM({.name = "iommu.iotlb_entries", .unit = "entries", .default_value = 128, .max = 1 << 24, .integer = true,
              .description = "IOTLB entries (0: no IOTLB)",
              .source = "derived from the pcie-bench data (Neugebauer et al., SIGCOMM 2018): on Xeon E5 v1-v4 64 B reads "
                        "start missing between 512 KiB and 1 MiB windows of 4 KiB pages, ~128 entries; nothing published "
                        "for later Intel parts"});
SVASIM_PARAM({.name = "iommu.iotlb_ways", .unit = "ways", .default_value = 8, .min = 1, .max = 1 << 24, .integer = true,
              .description = "IOTLB associativity",
              .source = "not published for any VT-d implementation; chosen: 8 ways"});
SVASIM_PARAM({.name = "iommu.pwc_pml4_entries", .unit = "entries", .default_value = 4, .max = 4096, .integer = true,
              .description = "paging-structure cache of PML4 entries",
              .source = "not published (VT-d spec ch. 6 leaves sizes to the implementation); chosen: 4, as gem5's SMMUv3 "
                        "walk cache S1 L0"});
SVASIM_PARAM({.name = "iommu.pwc_pdpt_entries", .unit = "entries", .default_value = 16, .max = 4096, .integer = true,
              .description = "paging-structure cache of PDPT entries",
              .source = "not published; chosen: 16"});
SVASIM_PARAM({.name = "iommu.pwc_pd_entries", .unit = "entries", .default_value = 32, .max = 4096, .integer = true,
              .description = "paging-structure cache of PD entries",
              .source = "derived lower bound: the pcie-bench latency on Xeon E5 stays flat from 4 MiB to 64 MiB windows "
                        "(one walk read per miss), so PDEs covering 64 MiB (32) stay cached"});
SVASIM_PARAM({.name = "iommu.pwc_ways", .unit = "ways", .default_value = 4, .min = 1, .max = 4096, .integer = true,
              .description = "associativity of each paging-structure cache level (the largest divisor of its size up to "
                             "this; levels as small as this are fully associative)",
              .source = "Arm MMU-600 TRM 101412 §2.2: 4-way walk caches per level (nothing published for VT-d)"});
SVASIM_PARAM({.name = "iommu.walkers", .unit = "walks", .default_value = 8, .min = 1, .max = 4096, .integer = true,
              .description = "page walks an IOMMU has in flight at once; further IOTLB misses wait for a free walker",
              .source = "not published for VT-d (Sapphire Rapids' UNC_IIO_PWT_OCCUPANCY counts outstanding walks, "
                        "size undisclosed); chosen: 8, Arm MMU-500's documented maximum of parallel walks per TBU "
                        "(DDI0517 §2.3.5)"});
SVASIM_PARAM({.name = "iommu.s2_tlb_entries", .unit = "entries", .default_value = 64, .max = 1 << 20, .integer = true,
              .description = "nested translation: cache of second-stage leaf translations (guest-physical to host-physical "
                             "pages) for first-stage table pages and walk results",
              .source = "not published for VT-d or AMD; chosen: 64, within Arm MMU-600's per-level S2 walk caches "
                        "(TRM 101412 §2.2)"});
SVASIM_PARAM({.name = "iommu.s2_pwc_entries", .unit = "entries", .default_value = 32, .max = 4096, .integer = true,
              .description = "nested translation: second-stage paging-structure cache entries per level (PML4E 4 and PDPTE "
                             "16 at most: a VM's guest-physical space is small)",
              .source = "not published; chosen as the first stage's PD cache"});
SVASIM_PARAM({.name = "iommu.s2_page_kib", .unit = "KiB", .default_value = 4, .min = 4, .max = 1048576, .integer = true,
              .description = "nested translation: the page size of the host's second stage (4, 2048 with a hugepage-backed "
                             "guest, 1048576)",
              .source = "assumption: guest memory in 4 KiB host pages unless the VMM backs it with hugepages"});
SVASIM_PARAM({.name = "iommu.iotlb_miss_ns", .unit = "ns", .default_value = 40, .max = 1e9,
              .description = "fixed cost of an IOTLB miss besides the walk's memory reads; with one read the miss costs "
                             "~237 ns",
              .source = "derived from pcie-bench: IOTLB miss +229..297 ns on a 64 B read"});
SVASIM_PARAM({.name = "iommu.walk_read_ns", .unit = "ns", .default_value = 197, .max = 1e9,
              .description = "one page-walk read on an idle memory (request to memory and back); reads queue at the memory "
                             "(memory.bandwidth_gbps) behind DMA and other walks",
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
           TranslationCache(c.pwc_entries[2], pwc_ways(c.pwc_entries[2], c.pwc_ways), Replacement::lru)},
      nested_(c.nested),
      s2_shift_(c.s2_page_shift),
      s2_tlb_(c.nested ? c.s2_tlb_entries : 0, pwc_ways(c.s2_tlb_entries, c.s2_tlb_ways), Replacement::lru),
      s2_pwc_{TranslationCache(c.nested ? c.s2_pwc_entries[0] : 0, pwc_ways(c.s2_pwc_entries[0], c.pwc_ways), Replacement::lru),
              TranslationCache(c.nested ? c.s2_pwc_entries[1] : 0, pwc_ways(c.s2_pwc_entries[1], c.pwc_ways), Replacement::lru),
              TranslationCache(c.nested ? c.s2_pwc_entries[2] : 0, pwc_ways(c.s2_pwc_entries[2], c.pwc_ways), Replacement::lru)} {}

namespace {
// The guest-physical page holding the first-stage table of `level` (1 PML4 .. 4 PT) that maps `addr`:
// one PML4 page, a PDPT per 512 GiB, a PD per 1 GiB, a PT per 2 MiB. The guest keeps its tables together,
// as an allocator does: all in one 512 GiB region from 1 TiB, each level in its own 16 GiB (which pages
// share a second-stage entry is what matters, not where they are).
std::uint64_t table_gpa(unsigned level, std::uint64_t addr) {
  const std::uint64_t index = (addr >> (57 - 9 * level)) & ((std::uint64_t{1} << 22) - 1);
  return (std::uint64_t{1} << 40) | (std::uint64_t{level} << 34) | (index << 12);
}
}  // namespace

unsigned PageWalker::translate_s2(std::uint64_t gpa, Translation& t) {
  constexpr std::uint32_t kVm = 0;  // one second stage: the VM's
  ++t.s2_lookups;
  if (s2_tlb_.lookup(kVm, gpa, s2_shift_) >= 0) return 0;
  ++t.s2_misses;
  const unsigned leaf_level = s2_shift_ >= 30 ? 2 : s2_shift_ >= 21 ? 3 : 4;
  unsigned start = 0;
  for (unsigned level = leaf_level - 1; level > 0; --level)
    if (s2_pwc_[level - 1].lookup(kVm, gpa, kLevelShift[level - 1]) >= 0) {
      start = level;
      break;
    }
  for (unsigned level = start + 1; level < leaf_level; ++level) s2_pwc_[level - 1].insert(kVm, gpa, kLevelShift[level - 1]);
  s2_tlb_.insert(kVm, gpa, s2_shift_);
  return leaf_level - start;
}

Translation PageWalker::translate(std::uint32_t scope, std::uint64_t addr, unsigned page_shift, bool present) {
  Translation t;
  const std::int64_t stamp = iotlb_.lookup(scope, addr, page_shift);
  if (stamp >= 0) {
    t.iotlb_hit = true;
    t.ready_stamp = stamp;
    return t;
  }
  // A 4 KiB leaf sits at level 4 (4 reads cold), a 2 MiB leaf at level 3 (3 reads cold), a 1 GiB leaf
  // at level 2. The deepest cached level saves every read above it; the walk then fills the levels it read.
  const unsigned leaf_level = page_shift >= 30 ? 2 : page_shift >= 21 ? 3 : 4;
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
  if (nested_) {
    // Each first-stage table page read is guest-physical, and so is the page the walk ends at.
    for (unsigned level = start + 1; level <= leaf_level; ++level) t.s2_reads += translate_s2(table_gpa(level, addr), t);
    if (present) t.s2_reads += translate_s2(addr, t);
    t.memory_reads += t.s2_reads;
  }
  t.present = present;
  if (present) iotlb_.insert(scope, addr, page_shift);
  return t;
}

std::size_t PageWalker::invalidate(std::uint32_t scope, std::uint64_t start, std::uint64_t end, bool whole) {
  std::size_t n = 0;
  // The guest's invalidations leave the second stage alone (the host changes it, not the guest).
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
