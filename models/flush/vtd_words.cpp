#include "models/flush/vtd_words.hpp"

namespace svasim {

namespace {

using u64 = std::uint64_t;

// intel/iommu.h (6.12 as read).
constexpr u64 kQiDone = 2;  // enum { QI_FREE, QI_IN_USE, QI_DONE, QI_ABORT }
constexpr u64 kIwdType = 0x5, kEiotlbType = 0x6, kPcType = 0x7, kDeiotlbType = 0x8, kPgrpRespType = 0x9,
              kDiotlbType = 0x3;
constexpr u64 kGranNongPasid = 2, kGranPsiPasid = 3;  // QI_GRAN_NONG_PASID, QI_GRAN_PSI_PASID
constexpr u64 kPcPasidSel = 1;                        // QI_PC_PASID_SEL
constexpr u64 kPageMask = ~((u64{1} << kPageShift) - 1);  // VTD_PAGE_MASK
constexpr unsigned kDevIotlbMaxInvs = 32;             // QI_DEV_IOTLB_MAX_INVS

u64 iwd_status_data(u64 d) { return d << 32; }
constexpr u64 kIwdStatusWrite = u64{1} << 5, kIwdFence = u64{1} << 6, kIwdPrqDrain = u64{1} << 7;

u64 pfsid_bits(u64 pfsid) { return ((pfsid & 0xf) << 12) | (((pfsid >> 4) & 0xfff) << 52); }  // QI_DEV_(E)IOTLB_PFSID

// qi_desc_piotlb_all() / qi_desc_piotlb().
std::array<u64, 4> piotlb(const Descriptor& d, const VtdIds& id) {
  const u64 head = (u64{id.pasid} << 32) | (u64{id.did} << 16) | kEiotlbType;
  if (d.whole_pasid || d.mask >= kMaxAgawPfnWidth) return {head | (kGranNongPasid << 4), 0, 0, 0};
  return {head | (kGranPsiPasid << 4), (d.addr & kPageMask) | (u64{id.ih} << 6) | (d.mask & 0x3f), 0, 0};
}

// qi_desc_dev_iotlb_pasid(): S = 0 for one page; otherwise the address's bits below the size set to 1
// but the top one, and S set (VT-d spec 6.5.2.6).
std::array<u64, 4> dev_iotlb_pasid(const Descriptor& d, const VtdIds& id) {
  const u64 qw0 = ((u64{id.pasid} & 0xfffff) << 32) | ((u64{id.sid} & 0xffff) << 16) | ((u64{id.qdep} & 0x1f) << 4) |
                  kDeiotlbType | pfsid_bits(id.pfsid);
  const bool whole = d.whole_pasid || d.mask >= kMaxAgawPfnWidth;
  const unsigned order = whole ? kMaxAgawPfnWidth : d.mask;
  u64 qw1 = (whole ? 0 : d.addr) & kPageMask;
  if (order) {
    const unsigned top = kPageShift + order - 1;  // 63 at most
    const u64 below = (top == 63 ? ~u64{0} : (u64{1} << (top + 1)) - 1) & kPageMask;  // GENMASK_ULL(top, 12)
    qw1 = ((qw1 | below) & ~(u64{1} << top)) | (u64{1} << 11);
  }
  return {qw0, qw1, 0, 0};
}

// qi_desc_dev_iotlb(), the non-PASID descriptor cache_tag_flush_all() uses for the whole address space.
std::array<u64, 4> dev_iotlb(const VtdIds& id) {
  const unsigned qdep = id.qdep >= kDevIotlbMaxInvs ? 0 : id.qdep;
  const u64 addr = (u64{1} << (kPageShift + kMaxAgawPfnWidth - 1)) - 1;  // addr |= (1 << (12 + mask - 1)) - 1
  return {((u64{id.sid} & 0xffff) << 32) | (u64{qdep & 0x1f} << 16) | kDiotlbType | pfsid_bits(id.pfsid),
          (addr & kPageMask) | 1, 0, 0};
}

}  // namespace

std::uint16_t synthetic_sid(int device_index) {
  return static_cast<std::uint16_t>(0x100 + device_index);
}

std::uint64_t vtd_wait_qw0(bool drain) {
  return iwd_status_data(kQiDone) | kIwdStatusWrite | kIwdType | (drain ? kIwdPrqDrain : 0);
}

std::array<std::uint64_t, 4> vtd_descriptor_words(const Descriptor& d, const VtdIds& id) {
  switch (d.kind) {
    case DescKind::vtd_piotlb: return piotlb(d, id);
    case DescKind::vtd_devtlb: return d.all_pasids ? dev_iotlb(id) : dev_iotlb_pasid(d, id);
    case DescKind::vtd_pasid_cache:  // qi_flush_pasid_cache(iommu, did, QI_PC_PASID_SEL, pasid)
      return {(u64{id.pasid} << 32) | (u64{id.did} << 16) | (kPcPasidSel << 4) | kPcType, 0, 0, 0};
    case DescKind::vtd_fence_wait:  // intel_iommu_drain_pasid_prq()'s desc[0]
      return {iwd_status_data(kQiDone) | kIwdFence | kIwdType, 0, 0, 0};
    case DescKind::vtd_page_response:
      // intel_iommu_page_response(): PASID, the requester's RID in the DID field, PASID present, response
      // code success; qw1 the page request group index (svasim's groups are one request: 0) and LPIG.
      return {(u64{id.pasid} << 32) | (u64{id.sid} << 16) | (u64{1} << 4) | kPgrpRespType, u64{1} << 2, 0, 0};
    default: return {0, 0, 0, 0};
  }
}

}  // namespace svasim
