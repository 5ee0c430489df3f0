// An Arm Neoverse N1 server (Ampere Altra / AWS Graviton2 class) with an Arm MMU-600-class SMMUv3: the
// TRM gives the ranges of every structure; the configuration of shipping servers is not published.
#include "models/platform/platform_preset.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(
    PlatformPreset, "arm-neoverse-n1-smmuv3",
    {.description = "Arm Neoverse N1 server with an MMU-600-class SMMUv3: PCIe 4.0 x16, 8 x DDR4-3200",
     .overrides = {{"pcie.gen", 4}, {"pcie.lanes", 16}, {"dma.memory_ns", 83}, {"memory.bandwidth_gbps", 204.8},
                   {"iommu.iotlb_entries", 2048}, {"iommu.iotlb_ways", 4}, {"iommu.pwc_pml4_entries", 256},
                   {"iommu.pwc_pdpt_entries", 256}, {"iommu.pwc_pd_entries", 256}, {"iommu.walkers", 16}},
     .sources = {{"pcie.gen", "Ampere Altra product brief: 128 lanes PCIe 4.0"},
                 {"pcie.lanes", "an x16 slot (the width a 100-200 Gb/s NIC needs at PCIe 4.0); chosen"},
                 {"dma.memory_ns", "Arm's own figure for Neoverse N1, 83 ns (AnandTech 15578, Graviton2: ~81 ns measured)"},
                 {"memory.bandwidth_gbps", "8 channels DDR4-3200 x 25.6 GB/s (Ampere Altra product brief)"},
                 {"iommu.iotlb_entries", "within Arm MMU-700 TRM 101542 Table 2-32 (MTLB_DEPTH 0..65536); the server "
                                         "configuration is not published; chosen"},
                 {"iommu.iotlb_ways", "Arm MMU-600 TRM 101412 §2.1: the TBU main TLB is 4-way set associative"},
                 {"iommu.pwc_pml4_entries", "256 per level, the one published MMU-600 instantiation (Intel Agilex 5 HPS "
                                            "TRM 814346 §4.3.4.4.1, an embedded SoC)"},
                 {"iommu.pwc_pdpt_entries", "as pwc_pml4_entries"},
                 {"iommu.pwc_pd_entries", "as pwc_pml4_entries"},
                 {"iommu.walkers", "within TCUCFG_PTW_SLOTS 2..512 (MMU-700 TRM §2.2.8); not published for servers; "
                                   "chosen: 16"}}});

}  // namespace svasim
