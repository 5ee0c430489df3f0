#pragma once
// The queue work of bind and unbind, per driver family, as pure plans like the unmap flushes.
#include "models/domain/domain_table.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

// Bind (after the domain attach): VT-d programs the PASID-table entry, then in caching mode (a guest's
// virtual VT-d) a PASID-cache invalidation and a PASID-selective IOTLB flush, each its own
// qi_submit_sync; on bare metal a write-buffer flush, which modern hardware does not need (none).
// SMMUv3 writes the context descriptor: CMD_CFGI_CD + CMD_SYNC. AMD updates the GCR3 table:
// INVALIDATE_DEVTAB_ENTRY + COMPLETION_WAIT. A bind that only adds a user to an existing handle
// touches no queue.
void plan_bind(QueueDiscipline q, const Attachment& a, const AttachResult& r, bool caching_mode, FlushPlan& out);

// Unbind of the handle's last user. VT-d (6.13 intel_pasid_tear_down_entry): PASID-cache invalidation,
// IOTLB for the whole PASID, devTLB for the whole PASID (ATS devices), each a submission; then for PRI
// devices the page-request drain (intel_drain_pasid_prq): one submission of a fenced wait, IOTLB and
// devTLB closed by a drain wait. SMMUv3: CMD_CFGI_CD + CMD_SYNC for the detach, and when the domain
// dies, TLBI by ASID + CMD_SYNC. AMD: INVALIDATE_DEVTAB_ENTRY + wait, then the PASID's IOMMU pages and
// device IOTLB + wait.
void plan_unbind(QueueDiscipline q, const Attachment& a, const DetachResult& r, FlushPlan& out);

}  // namespace svasim
