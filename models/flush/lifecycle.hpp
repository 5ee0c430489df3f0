#pragma once
// The queue work of bind and unbind, per driver family, as pure plans like the unmap flushes. Each queue
// discipline (models/queue/) calls its family's pair.
#include "models/domain/domain_table.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

// VT-d bind (after the domain attach): program the PASID-table entry, then in caching mode (a guest's
// virtual VT-d) a PASID-cache invalidation and a PASID-selective IOTLB flush, each its own
// qi_submit_sync; on bare metal a write-buffer flush, which modern hardware does not need (none).
// A bind that only adds a user to an existing handle touches no queue.
void plan_vtd_bind(const Attachment& a, const AttachResult& r, bool caching_mode, FlushPlan& out);
// VT-d unbind of the handle's last user (6.13 intel_pasid_tear_down_entry): PASID-cache invalidation,
// IOTLB for the whole PASID, devTLB for the whole PASID (ATS devices; `devtlb` false leaves it out, as
// kernels up to 6.11 do in caching mode), each a submission; then for PRI devices the page-request drain
// (intel_drain_pasid_prq): one submission of a fenced wait, IOTLB and devTLB closed by a drain wait.
void plan_vtd_unbind(const Attachment& a, const DetachResult& r, bool devtlb, FlushPlan& out);

// SMMUv3 (arm-smmu-v3.c, 6.11 as read). Bind (arm_smmu_set_pasid()): the CD written in two synced steps
// (CMD_CFGI_CD per stream ID + CMD_SYNC each, arm_smmu_write_entry()), then for an ATS master CMD_ATC_INV
// of the PASID per stream + CMD_SYNC (arm_smmu_attach_commit()). Unbind (arm_smmu_remove_dev_pasid()):
// arm_smmu_clear_cd() in two synced steps, ATC_INV + CMD_SYNC, and when the domain dies
// (arm_smmu_sva_domain_free()) CMD_TLBI_NH_ASID + CMD_SYNC.
void plan_smmu_bind(const Attachment& a, const AttachResult& r, FlushPlan& out);
void plan_smmu_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out);

// AMD bind and unbind each update the GCR3 table and flush the PASID (update_gcr3() ->
// amd_iommu_dev_flush_pasid_all()): INVALIDATE_IOMMU_PAGES (all) + INVALIDATE_IOTLB_PAGES (ATS) +
// COMPLETION_WAIT; no INVALIDATE_DEVTAB_ENTRY (the device table entry does not change).
void plan_amd_bind(const Attachment& a, const AttachResult& r, FlushPlan& out);
void plan_amd_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out);

// The mm going away (exit_mmap() -> mmu_notifier_release()): each SVA domain's release callback, with the
// bindings still in place.
// VT-d intel_mm_release() (intel/svm.c; 6.7 under RCU, 6.10+ under domain->lock): per attached device
// intel_pasid_tear_down_entry(.., fault_ignore = true): PASID-cache, the PASID's IOTLB and, for ATS devices
// (`devtlb`), its devTLB, each a submission; no page-request drain.
void plan_vtd_release(const SvaDomain& d, bool devtlb, FlushPlan& out);
// SMMUv3 arm_smmu_mm_release() (6.11, under devices_lock): per attachment the CD rewritten "quiet"
// (translation disabled, still valid) in two synced steps, then CMD_TLBI_NH_ASID + CMD_SYNC, then CMD_ATC_INV
// per stream of every ATS attachment + one CMD_SYNC (arm_smmu_atc_inv_domain(.., 0, 0)).
void plan_smmu_release(const SvaDomain& d, FlushPlan& out);
// AMD sva_mn_release() (amd/pasid.c, under sva_pdom->lock): remove_dev_pasid() per device, each the
// whole-PASID flush of amd_iommu_dev_flush_pasid_all().
void plan_amd_release(const SvaDomain& d, FlushPlan& out);

}  // namespace svasim
