// What the CPU's TLB flush tells the secondary-TLB notifier (models/mm), per architecture and unmap kind,
// and what that does to the flush a VT-d driver plans.
#include <catch2/catch.hpp>

#include "core/params.hpp"
#include "models/flush/planner.hpp"
#include "models/mm/arch_tlb_flush.hpp"

using namespace svasim;

namespace {

constexpr std::uint64_t kBase = 0x7f0000000000ULL;
UnmapRange pages_at(std::uint64_t pages, unsigned shift = 12) { return {kBase, kBase + (pages << shift)}; }

std::vector<UnmapRange> calls(const std::string& arch, const UnmapRange& r, UnmapKind kind, Params p = {},
                              unsigned shift = 12) {
  std::vector<UnmapRange> out;
  make_arch_tlb_flush(arch, p)->notifier_ranges(r, kind, shift, out);
  return out;
}

Params with(const std::string& name, double v) {
  Params p;
  p.set(name, v, "/params");
  return p;
}

bool whole(const std::vector<UnmapRange>& c) { return c.size() == 1 && c[0].is_full(); }

}  // namespace

// arch/x86/mm/tlb.c flush_tlb_mm_range() (v6.6-v6.14): "if ((end == TLB_FLUSH_ALL) || ((end - start) >>
// stride_shift) > tlb_single_page_flush_ceiling) { start = 0; end = TLB_FLUSH_ALL; }" before
// mmu_notifier_arch_invalidate_secondary_tlbs(mm, start, end).
TEST_CASE("x86: munmap and madvise pass up to the ceiling, widen beyond it", "[arch]") {
  for (UnmapKind kind : {UnmapKind::munmap, UnmapKind::madvise_dontneed}) {
    for (std::uint64_t pages : {1ULL, 2ULL, 32ULL, 33ULL}) {
      INFO(pages);
      const auto c = calls("x86", pages_at(pages), kind);
      REQUIRE(c.size() == 1);
      CHECK(c[0].start == kBase);
      CHECK(c[0].pages() == pages);
    }
    for (std::uint64_t pages : {34ULL, 513ULL, 1ULL << 20}) CHECK(whole(calls("x86", pages_at(pages), kind)));
  }
  // The ceiling counts pages of the mapping's size: 33 THP pages pass, 34 do not.
  CHECK(calls("x86", pages_at(33, 21), UnmapKind::munmap, {}, 21).front().pages() == 33 * 512);
  CHECK(whole(calls("x86", pages_at(34, 21), UnmapKind::munmap, {}, 21)));
  // Tunable (debugfs): the edge moves with it, monotonically.
  for (double ceiling : {0.0, 1.0, 100.0}) {
    const auto at = static_cast<std::uint64_t>(ceiling);
    if (at > 0) CHECK_FALSE(whole(calls("x86", pages_at(at), UnmapKind::munmap, with("x86.tlb_single_page_flush_ceiling", ceiling))));
    CHECK(whole(calls("x86", pages_at(at + 1), UnmapKind::munmap, with("x86.tlb_single_page_flush_ceiling", ceiling))));
  }
}

// arch/x86/include/asm/tlbflush.h arch_tlbbatch_add_pending(): mmu_notifier_arch_invalidate_secondary_tlbs(mm, 0,
// -1UL), called by set_tlb_ubc_flush_pending() for every PTE try_to_unmap_one() clears.
TEST_CASE("x86: reclaim tells the notifier everything, once per page", "[arch]") {
  for (std::uint64_t pages : {1ULL, 5ULL, 64ULL}) {
    const auto c = calls("x86", pages_at(pages), UnmapKind::reclaim);
    CHECK(c.size() == pages);
    for (const auto& r : c) CHECK(r.is_full());
  }
}

// arch/arm64/include/asm/tlbflush.h __flush_tlb_range_nosync() (v6.9+): flush_tlb_mm() -- notifier 0..-1UL --
// when "(!system_supports_tlb_range() && (end - start) >= (MAX_DVM_OPS * stride)) || pages >
// MAX_TLBI_RANGE_PAGES"; arch_tlbbatch_add_pending() -> __flush_tlb_page_nosync() passes each page.
TEST_CASE("arm64: ranges pass through up to the TLBI limits; reclaim passes each page", "[arch]") {
  const Params no_range = with("arm64.tlb_range", 0);
  CHECK(calls("arm64", pages_at(511), UnmapKind::munmap, no_range).front().pages() == 511);
  CHECK(whole(calls("arm64", pages_at(512), UnmapKind::munmap, no_range)));
  CHECK(calls("arm64", pages_at(512), UnmapKind::munmap).front().pages() == 512);  // FEAT_TLBIRANGE
  CHECK(calls("arm64", pages_at(32u << 16), UnmapKind::munmap).front().pages() == (32u << 16));
  CHECK(whole(calls("arm64", pages_at((32u << 16) + 1), UnmapKind::munmap)));
  const auto c = calls("arm64", pages_at(3), UnmapKind::reclaim);
  REQUIRE(c.size() == 3);
  for (std::size_t i = 0; i < c.size(); ++i) CHECK((c[i].start == kBase + (i << 12) && c[i].pages() == 1));
}

TEST_CASE("every architecture passes a full-range flush as the whole address space, once", "[arch]") {
  for (const char* arch : {"x86", "arm64"})
    for (UnmapKind kind : {UnmapKind::munmap, UnmapKind::madvise_dontneed})
      CHECK(whole(calls(arch, kWholeAddressSpace, kind)));
}

// The example: a 513-page munmap under linux-6.9-vtd. intel_arch_invalidate_secondary_tlbs() sees
// 0..-1 and, with intel_flush_svm_all (6.7+), sends one PASID-selective PIOTLB and one devTLB per device
// instead of per-chunk page-selective flushes.
TEST_CASE("x86 + VT-d 6.9: a 513-page munmap becomes one PASID-selective flush per device", "[arch][flush]") {
  Params p = with("vtd.full_range_pasid_selective", 1);
  const auto planner = make_flush_planner("vtd-per-device", p);
  const SvaDomain dom{0, {{0, 0, true, false, 1}, {1, 0, true, false, 1}}};
  FlushPlan raw, seen;
  planner->plan(dom, pages_at(513), raw);
  for (const UnmapRange& r : calls("x86", pages_at(513), UnmapKind::munmap)) planner->plan(dom, r, seen);
  for (const auto& s : seen.submissions)
    for (const auto& d : s.descs) CHECK(covered(d).whole);
  CHECK(seen.iotlb_count() == 2);
  CHECK(seen.devtlb_count() == 2);
  for (const auto& s : raw.submissions)  // unwidened: page-selective over the 1024-page chunk
    for (const auto& d : s.descs) CHECK_FALSE(covered(d).whole);
}
