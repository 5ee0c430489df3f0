// TranslationCache: the set-associative ATC / IOTLB / paging-structure cache model. The randomised
// tests check invalidate_range against a std::map reference so both of its paths (per-block set probes
// for small ranges, a full sweep for large ones) are held to the same exact semantics.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "core/random.hpp"
#include "models/hw/translation_cache.hpp"

using namespace svasim;

namespace {
constexpr std::uint64_t k4K = 1ULL << 12;
constexpr std::uint64_t k2M = 1ULL << 21;
constexpr std::uint64_t k1G = 1ULL << 30;

// Fully associative, 4 entries: one set, so tests control exactly which entries compete.
TranslationCache four_way(Replacement p, std::uint64_t seed = 1) { return TranslationCache(4, 4, p, seed); }

std::uint64_t page(std::uint64_t n) { return 0x10000000ULL + n * k4K; }
}  // namespace

TEST_CASE("cache: counters track lookups hits misses and insertions", "[cache]") {
  TranslationCache c(64, 4, Replacement::lru);
  CHECK(c.capacity() == 64);
  CHECK(c.lookup(1, page(0)) == -1);
  c.insert(1, page(0), 12, 42);
  CHECK(c.lookup(1, page(0)) == 42);
  CHECK(c.lookup(1, page(0) + 0xfff) == 42);  // any byte of the page
  CHECK(c.lookup(1, page(1)) == -1);
  CHECK(c.lookup(1, page(0), 12) == 42);
  const auto& k = c.counters();
  CHECK(k.lookups == 5);
  CHECK(k.hits == 3);
  CHECK(k.misses == 2);
  CHECK(k.insertions == 1);
  CHECK(k.evictions == 0);
  CHECK(c.size() == 1);

  c.insert(1, page(0), 12, 43);  // refresh: new stamp, not a second entry, not an insertion
  CHECK(c.lookup(1, page(0)) == 43);
  CHECK(c.size() == 1);
  CHECK(c.counters().insertions == 1);
}

TEST_CASE("cache: LRU evicts the least recently used way", "[cache]") {
  auto c = four_way(Replacement::lru);
  for (std::uint64_t i = 0; i < 4; ++i) c.insert(1, page(i), 12, static_cast<std::int64_t>(i));
  CHECK(c.size() == 4);
  CHECK(c.lookup(1, page(0)) == 0);  // 0 becomes most recent: order is now 1, 2, 3, 0
  c.insert(1, page(4), 12, 4);       // evicts 1
  CHECK(c.counters().evictions == 1);
  CHECK(c.size() == 4);
  CHECK(c.lookup(1, page(1)) == -1);
  c.insert(1, page(5), 12, 5);  // order was 2, 3, 0, 4 (the miss on 1 touched nothing): evicts 2
  CHECK(c.lookup(1, page(2)) == -1);
  CHECK(c.lookup(1, page(3)) == 3);
  CHECK(c.lookup(1, page(0)) == 0);
  CHECK(c.lookup(1, page(4)) == 4);
  CHECK(c.lookup(1, page(5)) == 5);
}

TEST_CASE("cache: FIFO ignores re-references where LRU does not", "[cache]") {
  auto lru = four_way(Replacement::lru);
  auto fifo = four_way(Replacement::fifo);
  for (auto* c : {&lru, &fifo}) {
    for (std::uint64_t i = 0; i < 4; ++i) c->insert(1, page(i), 12, static_cast<std::int64_t>(i));
    CHECK(c->lookup(1, page(0)) == 0);  // re-reference the oldest
    c->insert(1, page(0), 12, 10);      // and refresh it: FIFO keeps its insertion time
    c->insert(1, page(4), 12, 4);
  }
  CHECK(lru.lookup(1, page(0)) == 10);   // LRU kept the re-referenced entry ...
  CHECK(lru.lookup(1, page(1)) == -1);   // ... and evicted the next oldest
  CHECK(fifo.lookup(1, page(0)) == -1);  // FIFO evicted the first inserted regardless
  CHECK(fifo.lookup(1, page(1)) == 1);
}

TEST_CASE("cache: random replacement is deterministic per seed", "[cache]") {
  auto run = [](std::uint64_t seed) {
    TranslationCache c(16, 16, Replacement::random, seed);
    for (std::uint64_t i = 0; i < 200; ++i) {
      c.insert(1, page(i), 12, static_cast<std::int64_t>(i));
      CHECK(c.size() == std::min<std::uint64_t>(i + 1, 16));  // invalid ways are filled first
    }
    std::vector<std::uint64_t> resident;
    for (std::uint64_t i = 0; i < 200; ++i)
      if (c.lookup(1, page(i)) >= 0) resident.push_back(i);
    CHECK(resident.size() == 16);
    CHECK(c.counters().evictions == 200 - 16);
    return resident;
  };
  CHECK(run(7) == run(7));
  CHECK(run(0) == run(0));  // seed 0 is accepted (xorshift state is remapped)
  bool differs = false;
  for (std::uint64_t s = 8; s < 12; ++s) differs = differs || run(s) != run(7);
  CHECK(differs);
}

TEST_CASE("cache: scopes isolate entries", "[cache]") {
  TranslationCache c(64, 4, Replacement::lru);
  c.insert(1, page(0), 12, 1);
  c.insert(2, page(0), 12, 2);
  c.insert(1, 0x40000000, 21, 3);
  CHECK(c.lookup(1, page(0)) == 1);
  CHECK(c.lookup(2, page(0)) == 2);
  CHECK(c.lookup(3, page(0)) == -1);
  CHECK(c.lookup(2, 0x40000000) == -1);
  CHECK(c.invalidate_range(3, 0, ~0ULL) == 0);
  CHECK(c.invalidate_range(2, page(0), page(1)) == 1);
  CHECK(c.lookup(1, page(0)) == 1);
  CHECK(c.lookup(2, page(0)) == -1);
  CHECK(c.invalidate_scope(2) == 0);
  CHECK(c.invalidate_scope(1) == 2);
  CHECK(c.size() == 0);
}

TEST_CASE("cache: a 2 MiB entry hits for every 4 KiB page inside it", "[cache]") {
  TranslationCache c(64, 4, Replacement::lru);
  const std::uint64_t base = 0x7f0000200000ULL;
  c.insert(5, base + 0x12345, 21, 9);  // any address inside names the block
  for (std::uint64_t off = 0; off < k2M; off += k4K) REQUIRE(c.lookup(5, base + off + (off % 4093)) == 9);
  CHECK(c.lookup(5, base - 1) == -1);
  CHECK(c.lookup(5, base + k2M) == -1);
  CHECK(c.lookup(5, base, 21) == 9);
  CHECK(c.lookup(5, base, 12) == -1);  // the one-size form probes only that size

  // A 4 KiB entry inside the huge page (after a split) wins over the 2 MiB one.
  c.insert(5, base + 3 * k4K, 12, 10);
  CHECK(c.lookup(5, base + 3 * k4K) == 10);
  CHECK(c.lookup(5, base + 4 * k4K) == 9);

  // Sizes other than 4 KiB / 2 MiB only through the one-size form.
  c.insert(5, 0x80000000ULL, 30, 11);
  CHECK(c.lookup(5, 0x80000000ULL + 0x1234) == -1);
  CHECK(c.lookup(5, 0x80000000ULL + 0x1234, 30) == 11);

  // A 4 KiB invalidation inside the huge page removes the 2 MiB entry.
  CHECK(c.invalidate_range(5, base + 100 * k4K, base + 101 * k4K) == 1);
  CHECK(c.lookup(5, base + 4 * k4K) == -1);
  CHECK(c.lookup(5, base + 3 * k4K) == 10);
}

TEST_CASE("cache: range invalidation edges", "[cache]") {
  TranslationCache c(64, 4, Replacement::lru);
  c.insert(1, page(0), 12, 0);
  c.insert(1, page(1), 12, 1);
  c.insert(1, page(2), 12, 2);
  CHECK(c.invalidate_range(1, page(1), page(1)) == 0);      // empty range
  CHECK(c.invalidate_range(1, page(2), page(1)) == 0);      // inverted range
  CHECK(c.invalidate_range(1, page(1) - 1, page(1)) == 1);  // last byte of page 0 only
  CHECK(c.lookup(1, page(0)) == -1);
  CHECK(c.invalidate_range(1, page(2) - 1, page(2) + 1) == 2);  // one byte either side of a boundary
  CHECK(c.size() == 0);

  // Top of the address space: block arithmetic must not overflow.
  const std::uint64_t top = ~0ULL & ~(k4K - 1);
  c.insert(1, top, 12, 7);
  c.insert(1, ~0ULL, 21, 8);
  CHECK(c.lookup(1, ~0ULL, 12) == 7);
  CHECK(c.invalidate_range(1, top, ~0ULL) == 2);
  CHECK(c.size() == 0);
  c.insert(1, top, 12, 7);
  CHECK(c.invalidate_range(1, 0, ~0ULL) == 1);  // sweep path
  CHECK(c.counters().invalidated == 6);
}

namespace {
// The reference: what must be present, keyed (scope, shift, block).
using RefKey = std::tuple<std::uint32_t, unsigned, std::uint64_t>;

struct Universe {
  std::vector<std::uint32_t> scopes{1, 2, 3};
  std::vector<std::pair<std::uint64_t, unsigned>> keys;  // (address, shift)
  std::uint64_t lo = 0, hi = 0;                          // region [lo, hi)
};

// 64 MiB straddling a 1 GiB boundary: 200 scattered 4 KiB pages, every 2 MiB block, both 1 GiB blocks.
Universe make_universe(RandomStream& rng) {
  Universe u;
  u.lo = 0x7f0000000000ULL - 16 * k2M;
  u.hi = u.lo + 32 * k2M;
  std::set<std::uint64_t> pages;
  while (pages.size() < 200) pages.insert(u.lo + rng.uniform_int(0, (u.hi - u.lo) / k4K - 1) * k4K);
  for (auto p : pages) u.keys.emplace_back(p, 12);
  for (std::uint64_t a = u.lo; a < u.hi; a += k2M) u.keys.emplace_back(a, 21);
  u.keys.emplace_back(u.lo, 30);
  u.keys.emplace_back(u.hi - 1, 30);
  return u;
}

// Every key of the universe against the reference, through both lookup forms.
void compare(TranslationCache& c, const std::map<RefKey, std::int64_t>& ref, const Universe& u) {
  REQUIRE(c.size() == ref.size());
  for (auto scope : u.scopes) {
    for (auto [addr, shift] : u.keys) {
      const auto it = ref.find({scope, shift, addr >> shift});
      REQUIRE(c.lookup(scope, addr, shift) == (it == ref.end() ? -1 : it->second));
      if (shift != 12) continue;
      // Two-size form: the 4 KiB entry if any, else the 2 MiB entry covering it.
      auto want = it;
      if (want == ref.end()) want = ref.find({scope, 21u, addr >> 21});
      REQUIRE(c.lookup(scope, addr) == (want == ref.end() ? -1 : want->second));
    }
  }
}

void randomised_against_reference(std::uint64_t range_pages_min, std::uint64_t range_pages_max, std::uint64_t seed) {
  RandomStream rng(seed, "cache-reference");
  const Universe u = make_universe(rng);
  // 512 sets of 16 ways for at most 3 * 234 keys: no set overflows (checked below), so the cache
  // must hold exactly what the reference holds.
  TranslationCache c(8192, 16, Replacement::lru, seed);
  std::map<RefKey, std::int64_t> ref;
  std::size_t removed_total = 0;
  for (int op = 0; op < 4000; ++op) {
    const auto scope = u.scopes[rng.uniform_int(0, u.scopes.size() - 1)];
    if (rng.uniform01() < 0.6) {
      const auto [addr, shift] = u.keys[rng.uniform_int(0, u.keys.size() - 1)];
      const auto stamp = static_cast<std::int64_t>(op);
      c.insert(scope, addr, shift, stamp);
      ref[{scope, shift, addr >> shift}] = stamp;
    } else {
      const std::uint64_t pages = rng.uniform_int(range_pages_min, range_pages_max);
      // Unaligned start and end so partial blocks at both ends are exercised.
      const std::uint64_t start = u.lo + rng.uniform_int(0, u.hi - u.lo - 1) - rng.uniform_int(0, k4K);
      const std::uint64_t end = start + pages * k4K - rng.uniform_int(0, k4K - 1);
      std::size_t expect = 0;
      for (auto it = ref.begin(); it != ref.end();) {
        const auto [s, shift, block] = it->first;
        if (s == scope && block >= (start >> shift) && block <= ((end - 1) >> shift)) {
          it = ref.erase(it);
          ++expect;
        } else {
          ++it;
        }
      }
      const std::size_t got = c.invalidate_range(scope, start, end);
      REQUIRE(got == expect);
      removed_total += got;
    }
    if (op % 50 == 0) compare(c, ref, u);
  }
  compare(c, ref, u);
  REQUIRE(c.counters().evictions == 0);
  CHECK(c.counters().invalidated == removed_total);
  CHECK(removed_total > 100);
}
}  // namespace

TEST_CASE("cache: small range invalidation matches a reference model (probe path)", "[cache]") {
  // Up to 64 pages: at most 65 + 2 + 2 blocks over the three sizes, well under 512 sets.
  randomised_against_reference(1, 64, 11);
  randomised_against_reference(1, 3, 12);
}

TEST_CASE("cache: large range invalidation matches a reference model (sweep path)", "[cache]") {
  // At least 600 pages: over 512 blocks, always swept.
  randomised_against_reference(600, 16384, 13);
}

TEST_CASE("cache: range invalidation under eviction pressure never leaves stale entries", "[cache]") {
  // A small cache evicts, so the reference is an upper bound: every hit must be a live reference entry
  // with its latest stamp, and nothing invalidated may ever hit again.
  RandomStream rng(21, "cache-pressure");
  const Universe u = make_universe(rng);
  for (auto policy : {Replacement::lru, Replacement::fifo, Replacement::random}) {
    TranslationCache c(64, 4, policy, 3);
    std::map<RefKey, std::int64_t> ref;
    for (int op = 0; op < 3000; ++op) {
      const auto scope = u.scopes[rng.uniform_int(0, u.scopes.size() - 1)];
      if (rng.uniform01() < 0.7) {
        const auto [addr, shift] = u.keys[rng.uniform_int(0, u.keys.size() - 1)];
        c.insert(scope, addr, shift, op);
        ref[{scope, shift, addr >> shift}] = op;
      } else {
        const std::uint64_t start = u.lo + rng.uniform_int(0, u.hi - u.lo - 1);
        const std::uint64_t end = start + rng.uniform_int(1, rng.uniform01() < 0.5 ? 8 : 8192) * k4K;
        std::erase_if(ref, [&](const auto& kv) {
          const auto [s, shift, block] = kv.first;
          return s == scope && block >= (start >> shift) && block <= ((end - 1) >> shift);
        });
        c.invalidate_range(scope, start, end);
      }
      REQUIRE(c.size() <= c.capacity());
      if (op % 100 != 0) continue;
      std::size_t hits = 0;
      for (auto s : u.scopes) {
        for (auto [addr, shift] : u.keys) {
          const auto got = c.lookup(s, addr, shift);
          if (got < 0) continue;
          ++hits;
          const auto it = ref.find({s, shift, addr >> shift});
          REQUIRE(it != ref.end());
          REQUIRE(it->second == got);
        }
      }
      REQUIRE(hits == c.size());  // size() counts exactly the entries that can hit
    }
  }
}

TEST_CASE("cache: invalidate_scope and invalidate_all", "[cache]") {
  TranslationCache c(256, 8, Replacement::lru);
  for (std::uint32_t s = 1; s <= 3; ++s)
    for (std::uint64_t i = 0; i < 20; ++i) c.insert(s, page(i * 1024), i % 2 ? 12 : 21, s);
  CHECK(c.size() == 60);
  CHECK(c.invalidate_scope(2) == 20);
  CHECK(c.size() == 40);
  for (std::uint64_t i = 0; i < 20; ++i) {
    CHECK(c.lookup(2, page(i * 1024)) == -1);
    CHECK(c.lookup(1, page(i * 1024)) == 1);
    CHECK(c.lookup(3, page(i * 1024)) == 3);
  }
  CHECK(c.invalidate_all() == 40);
  CHECK(c.size() == 0);
  CHECK(c.lookup(1, page(0)) == -1);
  CHECK(c.counters().invalidated == 60);
  CHECK(c.invalidate_all() == 0);
}

TEST_CASE("cache: never holds more valid entries than its capacity", "[cache]") {
  for (auto [entries, ways] : {std::pair<std::size_t, std::size_t>{32, 4}, {64, 64}, {1, 1}, {128, 2}}) {
    TranslationCache c(entries, ways, Replacement::lru);
    std::set<std::uint64_t> inserted;
    RandomStream rng(5, "capacity");
    for (int i = 0; i < 2000; ++i) {
      const std::uint64_t a = rng.uniform_int(0, 1 << 20) * k4K;
      c.insert(9, a, 12);
      inserted.insert(a);
      REQUIRE(c.size() <= c.capacity());
    }
    CHECK(c.size() == c.capacity());  // far more distinct pages than ways in any set
    std::size_t hits = 0;
    for (auto a : inserted) hits += c.lookup(9, a) >= 0 ? 1 : 0;
    CHECK(hits == c.size());
    CHECK(c.counters().insertions - c.counters().evictions == c.size());
  }
}

TEST_CASE("cache: sequential pages fill every way and strided ones still spread", "[cache]") {
  // 64 sets x 4 ways. An aligned run of 256 pages fits exactly, as with hardware low-bit indexing.
  TranslationCache seq(256, 4, Replacement::lru);
  for (std::uint64_t i = 0; i < 256; ++i) seq.insert(1, 0x7f0000000000ULL + i * k4K, 12);
  CHECK(seq.size() == 256);
  CHECK(seq.counters().evictions == 0);
  // 256 pages one 2 MiB apart (one buffer per huge page) would all fall in one set under plain
  // low-bit indexing (4 resident); hashed upper bits spread them about as well as a random hash
  // (about 80% resident for 4 keys per set on average).
  TranslationCache c(256, 4, Replacement::lru);
  for (std::uint64_t i = 0; i < 256; ++i) c.insert(1, i * k2M, 12);
  CHECK(c.size() > 192);
  TranslationCache d(256, 4, Replacement::lru);
  for (std::uint64_t i = 0; i < 256; ++i) d.insert(1, i * k1G, 21);
  CHECK(d.size() > 192);
  // Two scopes with the same VA layout do not land set for set on each other.
  TranslationCache e(256, 4, Replacement::lru);
  for (std::uint32_t s = 1; s <= 2; ++s)
    for (std::uint64_t i = 0; i < 128; ++i) e.insert(s, 0x7f0000000000ULL + i * k4K, 12);
  CHECK(e.size() > 192);
}

TEST_CASE("cache: zero entries never hits", "[cache]") {
  TranslationCache c(0, 0, Replacement::lru);
  c.insert(1, page(0), 12, 1);
  CHECK(c.lookup(1, page(0)) == -1);
  CHECK(c.lookup(1, page(0), 12) == -1);
  CHECK(c.size() == 0);
  CHECK(c.capacity() == 0);
  CHECK(c.invalidate_range(1, 0, ~0ULL) == 0);
  CHECK(c.invalidate_scope(1) == 0);
  CHECK(c.invalidate_all() == 0);
  CHECK(c.counters().lookups == 2);
  CHECK(c.counters().misses == 2);
  CHECK(c.counters().insertions == 0);
}

TEST_CASE("cache: geometry is validated", "[cache]") {
  CHECK_NOTHROW(TranslationCache(48, 4, Replacement::lru));  // 12 sets: range-reduced index
  CHECK_THROWS_AS(TranslationCache(64, 3, Replacement::lru), std::invalid_argument);
  CHECK_THROWS_AS(TranslationCache(64, 0, Replacement::lru), std::invalid_argument);
  CHECK_NOTHROW(TranslationCache(48, 48, Replacement::lru));  // fully associative, any size
  CHECK_NOTHROW(TranslationCache(64, 1, Replacement::fifo));  // direct mapped
  TranslationCache c(64, 4, Replacement::lru);
  CHECK_THROWS_AS(c.insert(1, 0, 0), std::invalid_argument);
  CHECK_THROWS_AS(c.insert(1, 0, 64), std::invalid_argument);
  CHECK(c.lookup(1, 0, 64) == -1);
}
