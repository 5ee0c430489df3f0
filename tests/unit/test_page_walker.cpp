// The page walker's per-level accounting, for any access sequence: a walk looks the paging-structure caches up
// from the deepest level over the leaf upwards and stops at the first hit, so each level is looked up exactly
// when every level below it missed, and the reads are the levels below the hit.
#include <catch2/catch.hpp>

#include <bit>
#include <random>

#include "models/hw/page_walker.hpp"

using namespace svasim;

TEST_CASE("page walker: per-level walk-cache lookups are conserved and explain the reads", "[walker]") {
  WalkerConfig c;
  c.iotlb_entries = 16;  // small caches: plenty of misses at every level
  c.pwc_entries[0] = 2;
  c.pwc_entries[1] = 4;
  c.pwc_entries[2] = 8;
  PageWalker w(c);
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::uint64_t> page(0, (1ULL << 27) - 1);  // 512 GiB of 4 KiB pages
  std::uint64_t walks4k = 0, walks2m = 0, hits[3] = {}, misses[3] = {};
  for (int i = 0; i < 20000; ++i) {
    const unsigned shift = rng() % 8 == 0 ? 21 : 12;
    const std::uint64_t addr = (page(rng) << 12) & ~((1ULL << shift) - 1);
    const Translation t = w.translate(static_cast<std::uint32_t>(rng() % 3), addr, shift, true);
    if (t.iotlb_hit) {
      CHECK((t.pwc_hits | t.pwc_misses) == 0);
      continue;
    }
    const unsigned leaf = shift == 21 ? 3 : 4;
    (shift == 21 ? walks2m : walks4k)++;
    CHECK(std::popcount(static_cast<unsigned>(t.pwc_hits)) <= 1);
    const unsigned hit_level = t.pwc_hits ? static_cast<unsigned>(std::bit_width(static_cast<unsigned>(t.pwc_hits))) : 0;
    CHECK(t.memory_reads == leaf - hit_level);
    // Every level from the one over the leaf down to (not including) the hit level was looked up and missed.
    for (unsigned l = hit_level + 1; l < leaf; ++l) CHECK(((t.pwc_misses >> (l - 1)) & 1u) == 1u);
    for (int l = 0; l < 3; ++l) {
      hits[l] += (t.pwc_hits >> l) & 1u;
      misses[l] += (t.pwc_misses >> l) & 1u;
    }
  }
  CHECK(hits[2] + misses[2] == walks4k);             // a 2 MiB leaf has no PDE to look up
  CHECK(hits[1] + misses[1] == misses[2] + walks2m);  // PDPTE: after a PDE miss, or first for 2 MiB leaves
  CHECK(hits[0] + misses[0] == misses[1]);            // PML4E: after a PDPTE miss
  CHECK(walks4k > 1000);
  CHECK(hits[2] > 0);
  CHECK(misses[0] > 0);
}

// Huge pages: a 2 MiB leaf is a PDE (3 reads cold), a 1 GiB leaf a PDPTE (2 reads cold); a later walk
// in the same 512 GiB reuses the cached PML4E.
TEST_CASE("page walker: 1 GiB and 2 MiB leaves end the walk early", "[walker]") {
  WalkerConfig c;
  PageWalker w(c);
  CHECK(w.translate(1, 0, 30, true).memory_reads == 2);
  CHECK(w.translate(1, 0, 30, true).iotlb_hit);
  CHECK(w.translate(1, 1ULL << 30, 30, true).memory_reads == 1);  // PML4E cached
  CHECK(w.translate(1, 1ULL << 40, 21, true).memory_reads == 3);  // another 512 GiB region
  CHECK(w.translate(1, (1ULL << 40) + (2ULL << 20), 21, true).memory_reads == 1);  // PDPTE cached
}

// Nested translation: each first-stage table page and the final guest-physical page go through the
// second stage. Without second-stage caches, 4 KiB pages in both stages: 4 first-stage reads and 5
// second-stage walks of 4, the 24 references of a two-dimensional walk (Bhargava et al., ASPLOS 2008).
TEST_CASE("page walker: a nested walk is two-dimensional", "[walker][nested]") {
  WalkerConfig bare;
  bare.nested = true;
  bare.s2_tlb_entries = 0;
  bare.s2_pwc_entries[0] = bare.s2_pwc_entries[1] = bare.s2_pwc_entries[2] = 0;
  PageWalker b(bare);
  const Translation textbook = b.translate(1, 0x1000, 12, true);
  CHECK(textbook.memory_reads == 24);
  CHECK(textbook.s2_reads == 20);
  CHECK(textbook.s2_lookups == 5);

  // With the second stage's caches: the guest's tables share its upper levels (one 512 GiB region, a
  // level per 1 GiB): 4 reads for the PML4 page, 3 each for the PDPT, PD and PT pages, 4 for the data.
  WalkerConfig c;
  c.nested = true;
  PageWalker w(c);
  const Translation cold = w.translate(1, 0x1000, 12, true);
  CHECK(cold.s2_reads == 4 + 3 + 3 + 3 + 4);
  CHECK(cold.memory_reads == 4 + cold.s2_reads);
  CHECK(cold.s2_misses == 5);
  // The next page in the same 2 MiB: the first stage reads only its PT entry (PDE cached); the PT page
  // hits the second-stage cache; the data page walks with the second stage's upper levels cached.
  const Translation warm = w.translate(1, 0x2000, 12, true);
  CHECK(warm.memory_reads == 1 + 1);
  CHECK(warm.s2_lookups == 2);
  CHECK(warm.s2_misses == 1);
  // A hugepage-backed guest (2 MiB second stage): each second-stage walk is one level shorter.
  WalkerConfig h = c;
  h.s2_page_shift = 21;
  PageWalker wh(h);
  CHECK(wh.translate(1, 0x1000, 12, true).s2_reads == 3 + 2 + 2 + 2 + 3);
  // Without nesting nothing changes.
  PageWalker flat(WalkerConfig{});
  CHECK(flat.translate(1, 0x1000, 12, true).memory_reads == 4);
}
