#pragma once
// A set-associative translation cache with the invalidation scopes hardware has: the device ATC, the
// IOMMU IOTLB, and (at other granularities) the paging-structure caches. Pure data structure; the DMA
// hot path calls lookup() inline, so it must stay cheap (no allocation, no SimGrid).
#include <cstdint>
#include <vector>

namespace svasim {

enum class Replacement { lru, fifo, random };

struct CacheCounters {
  std::uint64_t lookups = 0, hits = 0, misses = 0, insertions = 0, evictions = 0, invalidated = 0;
};

class TranslationCache {
public:
  // `entries` total, `ways` per set (ways == entries: fully associative); entries % ways == 0. Any set
  // count works (powers of two index best); entries == 0 makes a cache that never hits. `seed` feeds Replacement::random.
  TranslationCache(std::size_t entries, std::size_t ways, Replacement policy, std::uint64_t seed = 1);

  // An entry maps the naturally aligned block of 2^page_shift bytes holding `addr` in address space
  // `scope` (a PASID / domain id / ASID: entries of other scopes never match). page_shift is 12 (4 KiB)
  // or 21 (2 MiB) for leaf caches; paging-structure caches use 21, 30, 39.
  // Returns the matching entry's stamp (what insert() stored) or -1 on a miss; updates LRU and counters.
  // Without a page size only the two leaf sizes are probed: the 4 KiB set (shift 12), then the 2 MiB
  // set (shift 21); a 4 KiB entry wins over a 2 MiB one for the same address. Entries of other sizes
  // (1 GiB leaves, paging-structure levels) are found only by the three-argument form.
  std::int64_t lookup(std::uint32_t scope, std::uint64_t addr);
  // Same, for one page size only (the caller knows the mapping's size): one set probed.
  std::int64_t lookup(std::uint32_t scope, std::uint64_t addr, unsigned page_shift);
  // Inserts (or refreshes) the entry; may evict by the replacement policy.
  void insert(std::uint32_t scope, std::uint64_t addr, unsigned page_shift, std::int64_t stamp = 0);

  // Invalidation scopes. Each returns how many entries it removed.
  // Every entry of `scope` whose block overlaps [start, end) (end exclusive, bytes).
  std::size_t invalidate_range(std::uint32_t scope, std::uint64_t start, std::uint64_t end);
  std::size_t invalidate_scope(std::uint32_t scope);  // PASID-selective / by ASID
  std::size_t invalidate_all();

  const CacheCounters& counters() const { return counters_; }
  std::size_t size() const;  // valid entries
  std::size_t capacity() const { return entries_.size(); }

private:
  // Implementation detail, free to change. The fields a lookup reads (block, tag, stamp) sit together
  // so a hit costs the set's cache lines and nothing else; the replacement age lives in a parallel
  // array that lookup() only writes (an LRU touch), which the CPU's store buffer absorbs.
  struct Key {
    std::uint64_t block = 0;  // addr >> page_shift
    std::uint64_t tag = 0;    // scope << 8 | page_shift; 0 = invalid (page_shift is never 0)
    std::int64_t stamp = 0;
  };
  static std::uint64_t make_tag(std::uint32_t scope, unsigned page_shift) {
    return (std::uint64_t{scope} << 8) | page_shift;
  }
  std::size_t set_base(std::uint32_t scope, std::uint64_t block) const;
  bool probe(std::uint32_t scope, std::uint64_t block, unsigned page_shift, std::int64_t& stamp);
  std::size_t remove_in_set(std::size_t base, std::uint64_t block, std::uint64_t tag);
  void remove_at(std::size_t i);

  std::vector<Key> entries_;  // sets_ * ways_, set s at [s * ways_, (s + 1) * ways_)
  std::vector<std::uint64_t> age_;  // parallel to entries_. LRU: last use tick; FIFO: insertion tick
  std::size_t ways_ = 1;
  std::size_t sets_ = 0;
  bool pow2_sets_ = true;
  std::uint64_t set_mask_ = 0;
  unsigned set_bits_ = 0;     // log2(sets_)
  unsigned set_shift_ = 63;   // hash >> set_shift_ keeps the top set_bits_ bits
  std::uint64_t shifts_seen_ = 0;  // bit s set once an entry with page_shift s was inserted
  Replacement policy_;
  std::uint64_t tick_ = 0;
  std::uint64_t rng_;
  std::size_t valid_ = 0;
  CacheCounters counters_;
};

}  // namespace svasim
