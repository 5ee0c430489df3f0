// VT-d range arithmetic against the kernel's own reasoning (intel/cache.c calculate_psi_aligned_address,
// intel/svm.c intel_flush_svm_range_dev). Addresses are written as pfn << 12 to match the comments.
#include <catch2/catch.hpp>

#include "models/flush/range.hpp"

using namespace svasim;

namespace {
constexpr std::uint64_t pg(std::uint64_t pfn) { return pfn << 12; }
// [first pfn, last pfn] inclusive as calculate_psi_aligned_address() sees it.
PsiBlock psi(std::uint64_t first_pfn, std::uint64_t last_pfn) { return psi_aligned_block(pg(first_pfn), pg(last_pfn) + 0xfff); }
}  // namespace

TEST_CASE("psi: an aligned power-of-two range is used as is", "[range]") {
  auto b = psi(0x1000, 0x1000);  // one page
  CHECK(b.mask == 0);
  CHECK(b.pages == 1);
  CHECK(b.addr == pg(0x1000));

  b = psi(0x2000, 0x2001);
  CHECK(b.mask == 1);
  CHECK(b.addr == pg(0x2000));

  b = psi(0x200, 0x3ff);  // 512 pages, 2M aligned
  CHECK(b.mask == 9);
  CHECK(b.pages == 512);
  CHECK(b.addr == pg(0x200));
}

TEST_CASE("psi: page counts round up to a power of two", "[range]") {
  auto b = psi(4, 6);  // 3 pages at pfn 4: 4-page block 4..7, already aligned
  CHECK(b.mask == 2);
  CHECK(b.pages == 4);
  CHECK(b.addr == pg(4));

  b = psi(5, 7);  // 3 pages at pfn 5: unaligned, 5 and 7 share bit 2 and up -> block 4..7
  CHECK(b.mask == 2);
  CHECK(b.addr == pg(4));
}

TEST_CASE("psi: byte offsets inside pages count whole pages", "[range]") {
  auto b = psi_aligned_block(0x1234, 0x1234);
  CHECK(b.mask == 0);
  CHECK(b.addr == 0x1000);
  // 16 bytes straddling pfn 1 / pfn 2: 2 pages, pfn 1 unaligned -> block 0..3
  b = psi_aligned_block(0x1ff8, 0x2007);
  CHECK(b.mask == 2);
  CHECK(b.pages == 4);
  CHECK(b.addr == 0);
}

TEST_CASE("psi: unaligned ranges widen to the lowest shared high bit", "[range]") {
  auto b = psi(0x1ff, 0x200);  // 2 pages, carry through bit 9 -> mask 10
  CHECK(b.mask == 10);
  CHECK(b.pages == 1024);
  CHECK(b.addr == 0);

  b = psi(0x7ff, 0x800);  // carry through bit 11 -> a 16M block for 8K of data
  CHECK(b.mask == 12);
  CHECK(b.pages == 4096);
  CHECK(b.addr == 0);

  b = psi(0x12345ff, 0x1234600);  // carry through bit 9 only: the block keeps the high bits
  CHECK(b.mask == 10);
  CHECK(b.addr == pg(0x1234400));

  b = psi(0x7ffffffff, 0x800000000);  // crossing 128 TiB (a 47-bit user address space)
  CHECK(b.mask == 36);
  CHECK(b.addr == 0);
}

TEST_CASE("psi: the mask stops at MAX_AGAW_PFN_WIDTH", "[range]") {
  auto b = psi((1ULL << 51) - 1, 1ULL << 51);  // differs in every pfn bit up to 51
  CHECK(b.mask == 52);
  CHECK(b.pages == (1ULL << 52));
  CHECK(b.addr == 0);

  b = psi_aligned_block(0, UINT64_MAX);  // every page: 2^52, aligned
  CHECK(b.mask == 52);
  CHECK(b.addr == 0);

  b = psi_aligned_block(0x1000, UINT64_MAX);  // unaligned and reaching the top
  CHECK(b.mask == 52);
  CHECK(b.addr == 0);
}

TEST_CASE("psi: end before start is a programming error", "[range]") {
  CHECK_THROWS_AS(psi_aligned_block(0x2000, 0x1fff), std::invalid_argument);
}

TEST_CASE("svm chunks: one chunk when aligned, two when straddling", "[range]") {
  auto c = svm_range_chunks(pg(0x1000), 1);
  CHECK(c.count == 1);
  CHECK(c.mask == 0);
  CHECK(c.chunk_pages == 1);
  CHECK(c.first == pg(0x1000));

  c = svm_range_chunks(pg(0x1ff), 2);  // 8K chunks: 0x1fe000 and 0x200000
  CHECK(c.mask == 1);
  CHECK(c.chunk_pages == 2);
  CHECK(c.count == 2);
  CHECK(c.first == pg(0x1fe));

  c = svm_range_chunks(pg(0x200), 2);
  CHECK(c.count == 1);
  CHECK(c.first == pg(0x200));

  c = svm_range_chunks(pg(5), 3);  // 16K chunk 4..7 holds 5..7
  CHECK(c.mask == 2);
  CHECK(c.count == 1);
  CHECK(c.first == pg(4));

  c = svm_range_chunks(pg(6), 3);  // 6..8 crosses into chunk 8..11
  CHECK(c.count == 2);
  CHECK(c.first == pg(4));

  c = svm_range_chunks(0x200000, 512);
  CHECK(c.mask == 9);
  CHECK(c.count == 1);
  c = svm_range_chunks(0x201000, 512);
  CHECK(c.count == 2);
  CHECK(c.first == 0x200000);

  // Unlike calculate_psi_aligned_address(), the <= 6.9 code never widens: 0x7ff..0x800 is 2 chunks.
  c = svm_range_chunks(pg(0x7ff), 2);
  CHECK(c.mask == 1);
  CHECK(c.count == 2);
}

TEST_CASE("svm chunks: zero pages and the whole address space", "[range]") {
  CHECK(svm_range_chunks(0x1000, 0).count == 0);  // WARN_ON(!pages)

  auto c = svm_range_chunks(0, 1ULL << 52);
  CHECK(c.mask == 52);
  CHECK(c.count == 1);
  CHECK(c.first == 0);

  c = svm_range_chunks(0x5000, (1ULL << 52) + 5);  // saturates instead of overflowing
  CHECK(c.mask == 52);
  CHECK(c.count == 1);
  CHECK(c.first == 0);

  c = svm_range_chunks(1ULL << 63, 1ULL << 51);  // the top half: one 2^63-byte chunk
  CHECK(c.mask == 51);
  CHECK(c.count == 1);
  CHECK(c.first == (1ULL << 63));
  c = svm_range_chunks(1ULL << 62, 1ULL << 51);  // straddles the 2^63 boundary
  CHECK(c.count == 2);
  CHECK(c.first == 0);
}
