#include "models/flush/describe.hpp"

#include <cstdio>

namespace svasim {

namespace {

enum class Family { vtd, smmu, amd };

Family family_of(DescKind k) {
  switch (k) {
    case DescKind::vtd_piotlb:
    case DescKind::vtd_devtlb:
    case DescKind::vtd_pasid_cache:
    case DescKind::vtd_fence_wait:
    case DescKind::vtd_page_response: return Family::vtd;
    case DescKind::smmu_tlbi_asid:
    case DescKind::smmu_tlbi_va:
    case DescKind::smmu_atc_inv:
    case DescKind::smmu_cfgi_cd: return Family::smmu;
    case DescKind::amd_inv_iommu_pages:
    case DescKind::amd_inv_iotlb_pages:
    case DescKind::amd_complete_ppr: return Family::amd;
  }
  return Family::vtd;
}

const char* opcode(DescKind k) {
  switch (k) {
    case DescKind::vtd_piotlb: return "p_iotlb_inv_dsc";
    case DescKind::vtd_devtlb: return "p_dev_tlb_inv_dsc";
    case DescKind::vtd_pasid_cache: return "pc_inv_dsc";
    case DescKind::vtd_page_response: return "page_grp_resp_dsc";
    case DescKind::vtd_fence_wait: return "inv_wait_dsc";
    case DescKind::smmu_tlbi_asid: return "CMD_TLBI_NH_ASID";
    case DescKind::smmu_tlbi_va: return "CMD_TLBI_NH_VA";
    case DescKind::smmu_atc_inv: return "CMD_ATC_INV";
    case DescKind::smmu_cfgi_cd: return "CMD_CFGI_CD";
    case DescKind::amd_inv_iommu_pages: return "INVALIDATE_IOMMU_PAGES";
    case DescKind::amd_inv_iotlb_pages: return "INVALIDATE_IOTLB_PAGES";
    case DescKind::amd_complete_ppr: return "COMPLETE_PPR_REQUEST";
  }
  return "?";
}

// Each family's words: what an address-less descriptor covers, the command closing a submission, and what
// its commands call the domain's tag.
struct FamilyWords {
  const char* whole;
  const char* wait;
  const char* tag;
};
const FamilyWords& words_of(DescKind k) {
  static const FamilyWords vtd{"PASID-selective", "inv_wait_dsc", "did"};
  static const FamilyWords smmu{"whole ASID", "CMD_SYNC", "asid"};
  static const FamilyWords amd{"all pages of the PASID", "COMPLETION_WAIT", "domid"};
  switch (family_of(k)) {
    case Family::vtd: return vtd;
    case Family::smmu: return smmu;
    case Family::amd: return amd;
  }
  return vtd;
}

const char* whole_scope(DescKind k) { return words_of(k).whole; }

}  // namespace

bool is_vtd(DescKind k) { return family_of(k) == Family::vtd; }

const char* wait_name(DescKind k) { return words_of(k).wait; }

const char* domain_tag_name(DescKind k) { return words_of(k).tag; }

std::string describe(const Descriptor& d, const std::vector<std::string>& device_names) {
  // The non-PASID device-TLB descriptor (VT-d spec 6.5.2.5) rather than the PASID-based one.
  std::string s = d.all_pasids && d.kind == DescKind::vtd_devtlb ? "dev_tlb_inv_dsc" : opcode(d.kind);
  if (d.device >= 0)
    s += " " + (static_cast<std::size_t>(d.device) < device_names.size() ? device_names[static_cast<std::size_t>(d.device)]
                                                                        : "dev" + std::to_string(d.device));
  // The configuration caches are per PASID / context descriptor, a page response per request group: no address.
  if (d.kind == DescKind::vtd_pasid_cache || d.kind == DescKind::smmu_cfgi_cd || is_page_response(d.kind))
    return s;
  if (d.kind == DescKind::vtd_fence_wait) return s + " fence, no status write";
  if (d.all_pasids) return s + " all PASIDs, whole address space";
  if (d.whole_pasid) return s + " " + whole_scope(d.kind);
  if (d.mask >= kMaxAgawPfnWidth) return s + " whole address space";
  char buf[96];
  std::snprintf(buf, sizeof buf, " addr %#llx %s %u (%llu page%s)", static_cast<unsigned long long>(d.addr),
                family_of(d.kind) == Family::vtd ? "am" : "size order", d.mask, 1ULL << d.mask, d.mask ? "s" : "");
  return s + buf;
}

}  // namespace svasim
