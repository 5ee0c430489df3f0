// VT-d descriptor words as the kernel builds them (intel/iommu.h QI_* macros and qi_desc_*() helpers, prq.c,
// 6.12 as read), so a --trace can be diffed against ftrace's intel_iommu:qi_submit from a real machine.
#include <catch2/catch.hpp>

#include "models/flush/vtd_words.hpp"

using namespace svasim;
using W = std::array<std::uint64_t, 4>;

// The sample in f2dd871799ba5 ("iommu/vt-d: Add qi_submit trace event"): a non-PASID device-TLB
// invalidation of the whole address space (qi_desc_dev_iotlb(), mask MAX_AGAW_PFN_WIDTH) for SID 0x10,
// "qi_submit: dev_tlb_inv dmar1: 0x1000000003 0x7ffffffffffff001 0x0 0x0".
TEST_CASE("vtd words: the kernel's own qi_submit sample", "[vtd_words]") {
  const Descriptor all{DescKind::vtd_devtlb, 0, 0, kMaxAgawPfnWidth, true, true};
  CHECK(vtd_descriptor_words(all, VtdIds{1, 1, 0x10, 32}) == W{0x1000000003, 0x7ffffffffffff001, 0, 0});
}

// qi_desc_piotlb() / qi_desc_piotlb_all(): PASID << 32, DID << 16, granularity << 4, type 6; IH << 6, AM.
TEST_CASE("vtd words: PASID-based IOTLB, page-selective and PASID-selective", "[vtd_words]") {
  const VtdIds id{1, 1, 0x103, 32};
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_piotlb, -1, 0x2d862000, 0}, id) == W{0x100010036, 0x2d862000, 0, 0});
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_piotlb, -1, 0x200000, 3}, VtdIds{5, 9, 0, 0, true}) ==
        W{0x500090036, 0x200043, 0, 0});
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_piotlb, -1, 0, kMaxAgawPfnWidth, true}, id) == W{0x100010026, 0, 0, 0});
}

// qi_desc_dev_iotlb_pasid(): S = 0 for one page; else the address bits below the size set but the top one,
// and S (bit 11), VT-d spec 6.5.2.6. QDEP is 5 bits: a depth of 32 is written 0.
TEST_CASE("vtd words: PASID-based device-TLB sizes", "[vtd_words]") {
  const VtdIds id{1, 1, 0x103, 32};
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_devtlb, 3, 0x2d862000, 0}, id) == W{0x101030008, 0x2d862000, 0, 0});
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_devtlb, 3, 0x200000, 3}, id)[1] == 0x203800);  // 8 pages
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_devtlb, 3, 0, kMaxAgawPfnWidth, true}, id)[1] == 0x7ffffffffffff800);
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_devtlb, 3, 0, 0}, VtdIds{1, 1, 0x103, 7})[0] == 0x101030078);
  // PFSID only with DIT: (pfsid & 0xf) << 12 | (pfsid >> 4) << 52.
  VtdIds dit = id;
  dit.pfsid = 0x103;
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_devtlb, 3, 0, 0}, dit)[0] == 0x0100000101033008);
}

// intel_iommu_drain_pasid_prq() (prq.c, 6.12-6.14): a fenced wait without status write first; the closing
// wait of qi_submit_sync(..., QI_OPT_WAIT_DRAIN) carries the Page-request Drain flag.
TEST_CASE("vtd words: the drain's fence and waits, a page group response", "[vtd_words]") {
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_fence_wait}, VtdIds{})[0] == 0x200000045);
  CHECK(vtd_wait_qw0(false) == 0x200000025);
  CHECK(vtd_wait_qw0(true) == 0x2000000a5);
  // The drain's devTLB: qw0 only, qw1 = 0 (page 0, S = 0).
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_devtlb, 0, 0, 0}, VtdIds{2, 3, 0x100, 32})[1] == 0);
  // intel_iommu_page_response(): PASID, RID in the DID field, PASID present, success, type 9; LPIG.
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_page_response, 0}, VtdIds{2, 3, 0x100, 32}) ==
        W{0x201000019, 0x4, 0, 0});
  // qi_flush_pasid_cache(..., QI_PC_PASID_SEL, pasid).
  CHECK(vtd_descriptor_words(Descriptor{DescKind::vtd_pasid_cache}, VtdIds{2, 3, 0, 0})[0] == 0x200030017);
  CHECK(synthetic_sid(3) == 0x103);
}
