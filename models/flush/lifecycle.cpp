#include "models/flush/lifecycle.hpp"

#include <algorithm>

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

// intel_pasid_tear_down_entry(): PASID-cache, IOTLB and devTLB of the PASID, each its own qi_submit_sync.
static void vtd_tear_down_entry(const Attachment& a, bool devtlb, FlushPlan& out) {
  add(out, a.iommu, {whole(DescKind::vtd_pasid_cache)});
  add(out, a.iommu, {whole(DescKind::vtd_piotlb)});
  if (a.ats && devtlb) add(out, a.iommu, {whole(DescKind::vtd_devtlb, a.device)});
}

void plan_vtd_release(const SvaDomain& d, bool devtlb, FlushPlan& out) {
  for (const Attachment& a : d.attachments) vtd_tear_down_entry(a, devtlb, out);
}

void plan_vtd_unbind(const Attachment& a, const DetachResult& r, bool devtlb, FlushPlan& out) {
  if (!r.last_user) return;
  vtd_tear_down_entry(a, devtlb, out);
  // intel_drain_pasid_prq() (prq.c intel_iommu_drain_pasid_prq(), 6.12-6.14): a fenced wait without status
  // write, a PASID-selective PIOTLB and a devTLB whose qw1 is 0 (address 0, one page: it drops no other
  // entry), submitted with QI_OPT_WAIT_DRAIN.
  if (a.pri) {
    std::vector<Descriptor> drain{Descriptor{DescKind::vtd_fence_wait}, whole(DescKind::vtd_piotlb)};
    if (a.ats) drain.push_back(Descriptor{DescKind::vtd_devtlb, a.device});
    add(out, a.iommu, std::move(drain));
  }
}

// One CD write step (arm_smmu_cd_writer_sync_entry() -> arm_smmu_sync_cd()): CMD_CFGI_CD for every stream
// ID of the master, then CMD_SYNC, in one batch.
static void smmu_sync_cd(const Attachment& a, FlushPlan& out) {
  std::vector<Descriptor> cmds;
  for (int s = 0; s < a.streams; ++s) {
    Descriptor d = whole(DescKind::smmu_cfgi_cd);
    d.device = a.device;
    cmds.push_back(d);
  }
  add(out, a.iommu, std::move(cmds));
}

// arm_smmu_atc_inv_master(master, ssid): CMD_ATC_INV for the PASID, whole range, per stream ID + CMD_SYNC.
static void smmu_atc_inv_master(const Attachment& a, FlushPlan& out) {
  if (!a.ats) return;
  add(out, a.iommu, std::vector<Descriptor>(static_cast<std::size_t>(a.streams), whole(DescKind::smmu_atc_inv, a.device)));
}

void plan_smmu_bind(const Attachment& a, const AttachResult& r, FlushPlan& out) {
  if (!r.new_handle) return;
  // arm_smmu_write_entry() makes an invalid CD valid in two steps, each synced: qwords 1..3 first, then
  // qword 0 with V set.
  smmu_sync_cd(a, out);
  smmu_sync_cd(a, out);
  smmu_atc_inv_master(a, out);  // arm_smmu_attach_commit(): the PASID's stale ATC entries go
}

void plan_smmu_release(const SvaDomain& d, FlushPlan& out) {
  for (const Attachment& a : d.attachments) {  // arm_smmu_make_sva_cd(.., NULL) written per attachment
    smmu_sync_cd(a, out);
    smmu_sync_cd(a, out);
  }
  // The driver's domain lives on one SMMU; a scenario may still share one domain across SMMUs (models.domain
  // per-mm): each SMMU then flushes its ASID and its own masters' ATCs.
  std::vector<int> smmus;
  for (const Attachment& a : d.attachments)
    if (std::find(smmus.begin(), smmus.end(), a.iommu) == smmus.end()) smmus.push_back(a.iommu);
  for (int smmu : smmus) {
    add(out, smmu, {whole(DescKind::smmu_tlbi_asid)});
    std::vector<Descriptor> atc;
    for (const Attachment& a : d.attachments)
      if (a.iommu == smmu && a.ats) atc.insert(atc.end(), static_cast<std::size_t>(a.streams), whole(DescKind::smmu_atc_inv, a.device));
    if (!atc.empty()) add(out, smmu, std::move(atc));
  }
}

void plan_smmu_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out) {
  if (!r.last_user) return;
  // arm_smmu_clear_cd(): valid -> invalid, again two synced steps (qword 0 first, then the rest).
  smmu_sync_cd(a, out);
  smmu_sync_cd(a, out);
  smmu_atc_inv_master(a, out);
  if (r.freed) add(out, a.iommu, {whole(DescKind::smmu_tlbi_asid)});  // arm_smmu_sva_domain_free()
}

// amd/pasid.c: iommu_sva_set_dev_pasid() -> amd_iommu_set_gcr3() and remove_dev_pasid() ->
// amd_iommu_clear_gcr3() both end in update_gcr3() -> amd_iommu_dev_flush_pasid_all(): the PASID's
// IOMMU pages, the device IOTLB (ATS) and a completion wait. The DTE itself does not change.
static void plan_amd_pasid_flush_all(const Attachment& a, FlushPlan& out) {
  std::vector<Descriptor> flush{whole(DescKind::amd_inv_iommu_pages)};
  if (a.ats) flush.push_back(whole(DescKind::amd_inv_iotlb_pages, a.device));
  add(out, a.iommu, std::move(flush));
}

void plan_amd_bind(const Attachment& a, const AttachResult& r, FlushPlan& out) {
  if (r.new_handle) plan_amd_pasid_flush_all(a, out);
}

void plan_amd_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out) {
  if (r.last_user) plan_amd_pasid_flush_all(a, out);
}

void plan_amd_release(const SvaDomain& d, FlushPlan& out) {
  for (const Attachment& a : d.attachments) plan_amd_pasid_flush_all(a, out);
}

}  // namespace svasim
