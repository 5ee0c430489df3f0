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

void plan_bind(QueueDiscipline q, const Attachment& a, const AttachResult& r, bool caching_mode, FlushPlan& out) {
  if (!r.new_handle) return;
  switch (q) {
    case QueueDiscipline::vtd_qi:
      if (caching_mode) {
        add(out, a.iommu, {whole(DescKind::vtd_pasid_cache)});
        add(out, a.iommu, {whole(DescKind::vtd_piotlb)});
      }
      break;
    case QueueDiscipline::smmu_cmdq: add(out, a.iommu, {whole(DescKind::smmu_cfgi_cd)}); break;
    case QueueDiscipline::amd_cmdbuf: add(out, a.iommu, {whole(DescKind::amd_inv_dte)}); break;
  }
}

void plan_unbind(QueueDiscipline q, const Attachment& a, const DetachResult& r, FlushPlan& out) {
  if (!r.last_user) return;
  switch (q) {
    case QueueDiscipline::vtd_qi:
      add(out, a.iommu, {whole(DescKind::vtd_pasid_cache)});
      add(out, a.iommu, {whole(DescKind::vtd_piotlb)});
      if (a.ats) add(out, a.iommu, {whole(DescKind::vtd_devtlb, a.device)});
      if (a.pri) {
        std::vector<Descriptor> drain{whole(DescKind::vtd_piotlb)};
        if (a.ats) drain.push_back(whole(DescKind::vtd_devtlb, a.device));
        add(out, a.iommu, std::move(drain));
      }
      break;
    case QueueDiscipline::smmu_cmdq:
      add(out, a.iommu, {whole(DescKind::smmu_cfgi_cd)});
      if (r.freed) add(out, a.iommu, {whole(DescKind::smmu_tlbi_asid)});
      break;
    case QueueDiscipline::amd_cmdbuf: {
      add(out, a.iommu, {whole(DescKind::amd_inv_dte)});
      std::vector<Descriptor> flush{whole(DescKind::amd_inv_iommu_pages)};
      if (a.ats) flush.push_back(whole(DescKind::amd_inv_iotlb_pages, a.device));
      add(out, a.iommu, std::move(flush));
      break;
    }
  }
}

}  // namespace svasim
