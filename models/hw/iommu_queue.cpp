// The IOMMU's invalidation engine as the queue engine actor (engine/iommu_engine.cpp) times it: the work
// per IOTLB descriptor, per device-TLB descriptor (turned into an ATS Invalidate Request) and per wait.
#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "iommu.iotlb_inv_ns", .unit = "ns", .default_value = 300, .max = 1e9,
              .description = "IOMMU time to process one IOTLB invalidation descriptor; with cpu.submit_ns and "
                             "iommu.wait_ns an uncontended 1-descriptor submission costs ~2,100 cycles",
              .source = "derived from Malka et al., rIOMMU, ASPLOS 2015: ~2,130 cycles per strict-unmap IOTLB "
                        "invalidation"});
SVASIM_PARAM({.name = "iommu.devtlb_issue_ns", .unit = "ns", .default_value = 50, .max = 1e9,
              .description = "IOMMU time to turn a devTLB/ATC_INV descriptor into an ATS Invalidate Request (assumption)",
              .source = "assumption"});
SVASIM_PARAM({.name = "iommu.wait_ns", .unit = "ns", .default_value = 100, .max = 1e9,
              .description = "IOMMU time to retire a wait descriptor / CMD_SYNC once everything before it completed: the "
                             "status write to memory (assumption, part of the rIOMMU total)",
              .source = "assumption within Malka et al., rIOMMU, ASPLOS 2015"});
}  // namespace svasim
