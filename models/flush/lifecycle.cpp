#include "models/flush/lifecycle.hpp"

namespace svasim {

namespace {
Descriptor whole(DescKind k, int device = -1) {
  Descriptor d{k};
  d.device = device;
  d.mask = kMaxAgawPfnWidth;
  d.whole_pasid = true;
  return d;
}
void add(FlushPlan& out, int iommu, std::vector<Descriptor> descs) { out.submissions.push_back({iommu, std::move(descs), true}); }
}  // namespace

void plan_vtd_bind(const Attachment& a, const AttachResult& r, bool caching_mode, FlushPlan& out) {
  if (!r.new_handle || !caching_mode) return;
  add(out, a.iommu, {whole(DescKind::vtd_pasid_cache)});
  add(out, a.iommu, {whole(DescKind::vtd_piotlb)});
}

void plan_vtd_unbind(const Attachment& a, const DetachResult& r, bool devtlb, FlushPlan& out) {
  if (!r.last_user) return;
  add(out, a.iommu, {whole(DescKind::vtd_pasid_cache)});
  add(out, a.iommu, {whole(DescKind::vtd_piotlb)});
  if (a.ats && devtlb) add(out, a.iommu, {whole(DescKind::vtd_devtlb, a.device)});
  if (a.pri) {
    std::vector<Descriptor> drain{whole(DescKind::vtd_piotlb)};
    if (a.ats) drain.push_back(whole(DescKind::vtd_devtlb, a.device));
    add(out, a.iommu, std::move(drain));
  }
}

void plan_smmu_bind(const Attachment& a, const AttachResult& r, FlushPlan& out) {
  if (r.new_handle) add(out, a.iommu, {whole(DescKind::smmu_cfgi_cd)});
}

void plan_smmu_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out) {
  if (!r.last_user) return;
  add(out, a.iommu, {whole(DescKind::smmu_cfgi_cd)});
  if (r.freed) add(out, a.iommu, {whole(DescKind::smmu_tlbi_asid)});
}

void plan_amd_bind(const Attachment& a, const AttachResult& r, FlushPlan& out) {
  if (r.new_handle) add(out, a.iommu, {whole(DescKind::amd_inv_dte)});
}

void plan_amd_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out) {
  if (!r.last_user) return;
  add(out, a.iommu, {whole(DescKind::amd_inv_dte)});
  std::vector<Descriptor> flush{whole(DescKind::amd_inv_iommu_pages)};
  if (a.ats) flush.push_back(whole(DescKind::amd_inv_iotlb_pages, a.device));
  add(out, a.iommu, std::move(flush));
}

}  // namespace svasim
