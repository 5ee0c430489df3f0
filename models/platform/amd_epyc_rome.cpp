// AMD EPYC 2nd generation (Rome, 2019), e.g. EPYC 7742, in NPS1 mode.
#include "models/platform/platform_preset.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(
    PlatformPreset, "amd-epyc-rome",
    {.description = "AMD EPYC 2nd gen (Rome, NPS1): PCIe 4.0 x16, 8 x DDR4-3200, AMD IOMMU",
     .overrides = {{"pcie.gen", 4}, {"pcie.lanes", 16}, {"dma.memory_ns", 122}, {"memory.bandwidth_gbps", 204.8},
                   {"iommu.iotlb_entries", 256}, {"iommu.iotlb_ways", 8}, {"iommu.pwc_pml4_entries", 4},
                   {"iommu.pwc_pdpt_entries", 16}, {"iommu.pwc_pd_entries", 64}, {"iommu.walkers", 8}},
     .sources = {{"pcie.gen", "AMD EPYC 7742 product page: PCIe 4.0, 128 lanes"},
                 {"pcie.lanes", "an x16 slot, the width of the 200 Gb/s NICs Farshin et al. (PeerJ CS 2023) measure on EPYC"},
                 {"dma.memory_ns", "~122 ns full random access in NPS1, EPYC 7742 (AnandTech 14694, 2019)"},
                 {"memory.bandwidth_gbps", "8 channels DDR4-3200 x 25.6 GB/s (AMD EPYC 7742 product page)"},
                 {"iommu.iotlb_entries", "not published (AMD IOMMU spec 48882 leaves cache sizes to the implementation; "
                                         "openSIL L2_*_CONTROL fields carry no public values); chosen"},
                 {"iommu.iotlb_ways", "not published; chosen"},
                 {"iommu.pwc_pml4_entries", "not published; chosen"},
                 {"iommu.pwc_pdpt_entries", "not published; chosen"},
                 {"iommu.pwc_pd_entries", "not published (the IOMMU PMU counts PDE-cache hits: mem_iommu_tlb_pde_hit); "
                                          "chosen"},
                 {"iommu.walkers", "not published; chosen: Arm MMU-500's 8 parallel walks (DDI0517 §2.3.5)"}}});

}  // namespace svasim
