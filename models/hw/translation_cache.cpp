#include "models/hw/translation_cache.hpp"

#include <bit>
#include <stdexcept>
#include <string>

namespace svasim {

namespace {
// Set index hashing. Hardware ATCs/IOTLBs index with the low VA bits, which keeps a sequential run
// of pages conflict-free but piles any power-of-two stride of at least `sets` blocks (one buffer per
// 2 MiB huge page, per-queue rings 1 GiB apart) into a single set - the simulator would then measure
// the index function instead of the invalidation protocol. So: set = low bits of the block XOR a hash
// of (scope, the block's higher bits). Each aligned group of `sets` consecutive blocks still maps
// one-to-one onto the sets (a sequential run fills the cache exactly as real hardware does), while
// groups, and scopes sharing a VA layout (every SVA process maps its heap at similar addresses), get
// different XOR patterns, so large strides spread about as well as under a random hash. The group
// hash is Fibonacci hashing: one multiply by an odd 64-bit constant, keep the top bits.
constexpr std::uint64_t kBlockMul = 0x9e3779b97f4a7c15ULL;  // 2^64 / golden ratio, odd
constexpr std::uint64_t kScopeMul = 0xc2b2ae3d27d4eb4fULL;  // odd, unrelated to kBlockMul

constexpr unsigned kShift4K = 12;
constexpr unsigned kShift2M = 21;

std::uint64_t xorshift64(std::uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}
}  // namespace

TranslationCache::TranslationCache(std::size_t entries, std::size_t ways, Replacement policy, std::uint64_t seed)
    : policy_(policy), rng_(seed != 0 ? seed : 0x2545f4914f6cdd1dULL) {  // xorshift must not start at 0
  if (entries == 0) return;  // sets_ == 0: every lookup misses, insert does nothing
  if (ways == 0 || ways > entries || entries % ways != 0)
    throw std::invalid_argument("translation cache: " + std::to_string(entries) + " entries cannot be split into " +
                                std::to_string(ways) + "-way sets");
  const std::size_t sets = entries / ways;
  ways_ = ways;
  sets_ = sets;
  // Published sizes are not always powers of two (gem5's 348-entry PD walk cache): other set counts
  // index by multiply-shift range reduction instead of the XOR fold below, still without a division.
  pow2_sets_ = std::has_single_bit(sets);
  set_mask_ = sets - 1;
  const unsigned bits = static_cast<unsigned>(std::countr_zero(sets));
  set_bits_ = bits;
  set_shift_ = bits == 0 ? 63 : 64 - bits;  // one set: any shift works with mask 0; 64 would be UB
  entries_.assign(entries, Key{});
  age_.assign(entries, 0);
}

std::size_t TranslationCache::set_base(std::uint32_t scope, std::uint64_t block) const {
  if (!pow2_sets_) {
    const std::uint64_t h = (block + std::uint64_t{scope} * kScopeMul) * kBlockMul;
    return static_cast<std::size_t>(((h >> 32) * sets_) >> 32) * ways_;
  }
  const std::uint64_t group = block >> set_bits_;
  const std::uint64_t h = (group + std::uint64_t{scope} * kScopeMul) * kBlockMul;
  return static_cast<std::size_t>((block ^ (h >> set_shift_)) & set_mask_) * ways_;
}

// Scans one set for (scope, block, page_shift). Inlined into both lookup() forms: no allocation, no
// division, one multiply for the index, then a linear compare of two words per way.
inline bool TranslationCache::probe(std::uint32_t scope, std::uint64_t block, unsigned page_shift,
                                    std::int64_t& stamp) {
  const std::size_t base = set_base(scope, block);
  const std::uint64_t tag = make_tag(scope, page_shift);
  const Key* set = entries_.data() + base;
  // Which way hits is data-dependent, so an early-exit scan mispredicts on nearly every hit (about
  // half of an ~11 ns lookup). So: scan a chunk of up to 8 ways with one conditional move per way
  // (block and tag folded into a single compare so GCC emits cmov rather than a branch per field),
  // and branch once per chunk. At most one way can match. The stamp is read from the matching key,
  // whose line the scan has just brought in.
  for (std::size_t w0 = 0; w0 < ways_; w0 += 8) {
    const std::size_t w1 = ways_ - w0 < 8 ? ways_ : w0 + 8;
    std::size_t hit = ways_;
    for (std::size_t w = w0; w < w1; ++w) {
      const bool eq = ((set[w].block ^ block) | (set[w].tag ^ tag)) == 0;
      hit = eq ? w : hit;
    }
    if (hit != ways_) {
      if (policy_ == Replacement::lru) age_[base + hit] = ++tick_;
      stamp = set[hit].stamp;
      return true;
    }
  }
  return false;
}

std::int64_t TranslationCache::lookup(std::uint32_t scope, std::uint64_t addr) {
  ++counters_.lookups;
  std::int64_t stamp;
  if (sets_ != 0 && (probe(scope, addr >> kShift4K, kShift4K, stamp) || probe(scope, addr >> kShift2M, kShift2M, stamp))) {
    ++counters_.hits;
    return stamp;
  }
  ++counters_.misses;
  return -1;
}

std::int64_t TranslationCache::lookup(std::uint32_t scope, std::uint64_t addr, unsigned page_shift) {
  ++counters_.lookups;
  std::int64_t stamp;
  if (sets_ != 0 && page_shift - 1u < 63u && probe(scope, addr >> page_shift, page_shift, stamp)) {
    ++counters_.hits;
    return stamp;
  }
  ++counters_.misses;
  return -1;
}

void TranslationCache::insert(std::uint32_t scope, std::uint64_t addr, unsigned page_shift, std::int64_t stamp) {
  if (sets_ == 0) return;
  if (page_shift == 0 || page_shift > 63)
    throw std::invalid_argument("translation cache: page_shift " + std::to_string(page_shift) + " out of range");
  const std::uint64_t block = addr >> page_shift;
  const std::uint64_t tag = make_tag(scope, page_shift);
  const std::size_t base = set_base(scope, block);

  std::size_t slot = ways_;  // the way to fill
  for (std::size_t w = 0; w < ways_; ++w) {
    const Key& k = entries_[base + w];
    if (k.tag == tag && k.block == block) {
      // Refresh: a re-walk that finds the same translation. LRU counts it as a use; FIFO keeps the
      // original insertion time, as a hardware FIFO would not move an entry that is already present.
      entries_[base + w].stamp = stamp;
      if (policy_ == Replacement::lru) age_[base + w] = ++tick_;
      return;
    }
    if (k.tag == 0 && slot == ways_) slot = w;  // first invalid way; keep scanning for a match
  }

  if (slot == ways_) {  // set full: choose a victim
    if (policy_ == Replacement::random) {
      // Lemire's multiply-shift maps 32 random bits onto [0, ways_) without a division.
      slot = static_cast<std::size_t>(((xorshift64(rng_) >> 32) * ways_) >> 32);
    } else {
      slot = 0;  // LRU and FIFO both evict the smallest age (least recently used / oldest inserted)
      for (std::size_t w = 1; w < ways_; ++w)
        if (age_[base + w] < age_[base + slot]) slot = w;
    }
    ++counters_.evictions;
  } else {
    ++valid_;
  }

  entries_[base + slot] = Key{block, tag, stamp};
  age_[base + slot] = ++tick_;
  shifts_seen_ |= std::uint64_t{1} << page_shift;
  ++counters_.insertions;
}

void TranslationCache::remove_at(std::size_t i) {
  entries_[i] = Key{};
  --valid_;
}

std::size_t TranslationCache::remove_in_set(std::size_t base, std::uint64_t block, std::uint64_t tag) {
  // insert() never duplicates a (block, tag), so at most one way matches.
  for (std::size_t w = 0; w < ways_; ++w) {
    if (entries_[base + w].tag == tag && entries_[base + w].block == block) {
      remove_at(base + w);
      return 1;
    }
  }
  return 0;
}

std::size_t TranslationCache::invalidate_range(std::uint32_t scope, std::uint64_t start, std::uint64_t end) {
  if (sets_ == 0 || end <= start || valid_ == 0) return 0;
  const std::uint64_t last = end - 1;

  // Two ways to find the entries, chosen by cost: probing visits one set per block of every page size
  // present (a 4 KiB page-selective flush: 1 set for 4 KiB entries + 1 for 2 MiB ones), sweeping
  // visits every set once. A range of more blocks than there are sets (a VT-d PSI with a large address
  // mask, an SMMU TLBI range of many pages) is cheaper to sweep. The block count is summed over every
  // page size ever inserted, so 1 GiB leaves and paging-structure levels are never missed.
  std::uint64_t blocks = 0;
  for (std::uint64_t m = shifts_seen_; m != 0; m &= m - 1) {
    const unsigned s = static_cast<unsigned>(std::countr_zero(m));
    blocks += (last >> s) - (start >> s) + 1;
    if (blocks > sets_) break;
  }

  std::size_t removed = 0;
  if (blocks <= sets_) {
    for (std::uint64_t m = shifts_seen_; m != 0; m &= m - 1) {
      const unsigned s = static_cast<unsigned>(std::countr_zero(m));
      const std::uint64_t tag = make_tag(scope, s);
      const std::uint64_t hi = last >> s;
      for (std::uint64_t b = start >> s;; ++b) {
        removed += remove_in_set(set_base(scope, b), b, tag);
        if (b == hi) break;  // not `b <= hi` in the loop condition: hi may be the largest block
      }
    }
  } else {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const Key& k = entries_[i];
      if (k.tag == 0 || static_cast<std::uint32_t>(k.tag >> 8) != scope) continue;
      const unsigned s = static_cast<unsigned>(k.tag & 0xff);
      // The block [b << s, (b + 1) << s) overlaps [start, last] iff start's block <= b <= last's block;
      // comparing block numbers avoids the overflow of (b + 1) << s at the top of the address space.
      if (k.block >= (start >> s) && k.block <= (last >> s)) {
        remove_at(i);
        ++removed;
      }
    }
  }
  counters_.invalidated += removed;
  return removed;
}

std::size_t TranslationCache::invalidate_scope(std::uint32_t scope) {
  std::size_t removed = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].tag != 0 && static_cast<std::uint32_t>(entries_[i].tag >> 8) == scope) {
      remove_at(i);
      ++removed;
    }
  }
  counters_.invalidated += removed;
  return removed;
}

std::size_t TranslationCache::invalidate_all() {
  const std::size_t removed = valid_;
  for (Key& k : entries_) k = Key{};
  valid_ = 0;
  counters_.invalidated += removed;
  return removed;
}

std::size_t TranslationCache::size() const { return valid_; }

}  // namespace svasim
