#pragma once
// A flush planner turns one mmu_notifier invalidation of one SVA domain into queue submissions,
// mirroring one kernel's driver code. Pure: unit-tested without SimGrid.
#include <memory>
#include <string>

#include "engine/params.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

class FlushPlanner {
public:
  virtual ~FlushPlanner() = default;
  // Appends the submissions for `range` on `domain` to `out` (a domain's notifier fires once per unmap).
  virtual void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const = 0;
  virtual QueueDiscipline discipline() const = 0;
  // Whether the driver holds a per-domain lock across the whole flush, submissions and waits included
  // (VT-d 6.10+ domain->cache_lock in cache_tag_flush_range(), AMD sva_pdom->lock), which serialises
  // CPUs flushing the same domain.
  virtual bool flush_under_domain_lock() const { return false; }
};

// Linux <= 6.9 VT-d (intel_flush_svm_range_dev): per device, per power-of-two chunk, one PIOTLB
// submission and, for ATS devices, one devTLB submission (+1 for the QAT quirk).
// Param vtd.full_range_pasid_selective (6.8+): a full-range flush is one PASID-selective PIOTLB plus one
// full devTLB per device.
std::unique_ptr<FlushPlanner> make_vtd_per_device_planner(const Params& p);
// Linux 6.10-6.11 VT-d cache tags (cache_tag_flush_range): one submission per tag.
std::unique_ptr<FlushPlanner> make_vtd_cache_tag_planner(const Params& p);
// Linux 6.12+ VT-d qi_batch: tag walk batched, at most vtd.qi_batch_size descriptors per submission,
// a batch flushed when full, when the walk reaches another IOMMU, and at the end.
std::unique_ptr<FlushPlanner> make_vtd_qi_batch_planner(const Params& p);
// Arm SMMUv3 6.11+ (arm_smmu_mm_arch_invalidate_secondary_tlbs): TLBI + CMD_SYNC, ATC_INV per stream
// of each ATS master + CMD_SYNC; batches of smmu.cmdq_batch_size; by-ASID above smmu.max_tlbi_ops pages
// without smmu.range_inv.
std::unique_ptr<FlushPlanner> make_smmuv3_planner(const Params& p);
// AMD 6.10+ (amd_iommu_dev_flush_pasid_pages): per attachment INVALIDATE_IOMMU_PAGES, device IOTLB
// invalidation for ATS, completion wait.
std::unique_ptr<FlushPlanner> make_amd_planner(const Params& p);

}  // namespace svasim
