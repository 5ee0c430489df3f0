#include "models/flush/plan.hpp"

#include <algorithm>

namespace svasim {

const char* to_string(DescKind k) {
  switch (k) {
    case DescKind::vtd_piotlb: return "vtd_piotlb";
    case DescKind::vtd_devtlb: return "vtd_devtlb";
    case DescKind::smmu_tlbi_asid: return "smmu_tlbi_asid";
    case DescKind::smmu_tlbi_va: return "smmu_tlbi_va";
    case DescKind::smmu_atc_inv: return "smmu_atc_inv";
    case DescKind::amd_inv_iommu_pages: return "amd_inv_iommu_pages";
    case DescKind::amd_inv_iotlb_pages: return "amd_inv_iotlb_pages";
    case DescKind::vtd_pasid_cache: return "vtd_pasid_cache";
    case DescKind::smmu_cfgi_cd: return "smmu_cfgi_cd";
    case DescKind::vtd_page_response: return "vtd_page_response";
    case DescKind::vtd_fence_wait: return "vtd_fence_wait";
    case DescKind::amd_complete_ppr: return "amd_complete_ppr";
  }
  return "?";
}

bool is_invalidation(DescKind k) { return !is_page_response(k) && k != DescKind::vtd_fence_wait; }

bool is_page_response(DescKind k) { return k == DescKind::vtd_page_response || k == DescKind::amd_complete_ppr; }

bool is_iotlb(DescKind k) {
  return k == DescKind::vtd_piotlb || k == DescKind::smmu_tlbi_asid || k == DescKind::smmu_tlbi_va ||
         k == DescKind::amd_inv_iommu_pages;
}

bool is_devtlb(DescKind k) {
  return k == DescKind::vtd_devtlb || k == DescKind::smmu_atc_inv || k == DescKind::amd_inv_iotlb_pages;
}

namespace {
template <class Pred>
std::size_t count_descs(const FlushPlan& p, Pred pred) {
  std::size_t n = 0;
  for (const auto& s : p.submissions)
    n += static_cast<std::size_t>(std::count_if(s.descs.begin(), s.descs.end(), pred));
  return n;
}
}  // namespace

std::size_t FlushPlan::iotlb_count() const {
  return count_descs(*this, [](const Descriptor& d) { return is_iotlb(d.kind); });
}

std::size_t FlushPlan::devtlb_count() const {
  return count_descs(*this, [](const Descriptor& d) { return is_devtlb(d.kind); });
}

std::size_t FlushPlan::wait_count() const {
  return static_cast<std::size_t>(
      std::count_if(submissions.begin(), submissions.end(), [](const Submission& s) { return s.wait; }));
}

}  // namespace svasim
