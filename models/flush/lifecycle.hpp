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

// SMMUv3 bind writes the context descriptor: CMD_CFGI_CD + CMD_SYNC. Unbind: CMD_CFGI_CD + CMD_SYNC for
// the detach, and when the domain dies, TLBI by ASID + CMD_SYNC.
void plan_smmu_bind(const Attachment& a, const AttachResult& r, FlushPlan& out);
void plan_smmu_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out);

// AMD bind updates the GCR3 table: INVALIDATE_DEVTAB_ENTRY + COMPLETION_WAIT. Unbind:
// INVALIDATE_DEVTAB_ENTRY + wait, then the PASID's IOMMU pages and device IOTLB + wait.
void plan_amd_bind(const Attachment& a, const AttachResult& r, FlushPlan& out);
void plan_amd_unbind(const Attachment& a, const DetachResult& r, FlushPlan& out);

}  // namespace svasim
