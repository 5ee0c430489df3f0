// Intel Xeon Scalable 1st generation (Skylake-SP, 2017), e.g. Xeon Gold 6140: the parameters' own
// defaults describe this machine; the preset names them so a scenario can say so, and so a sweep can
// put it beside the others.
#include "models/platform/platform_preset.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(
    PlatformPreset, "intel-skylake-sp",
    {.description = "Intel Xeon Scalable 1st gen (Skylake-SP): PCIe 3.0 x16, 6 x DDR4-2666, VT-d (the defaults)",
     .overrides = {{"pcie.gen", 3}, {"pcie.lanes", 16}, {"dma.memory_ns", 90}, {"memory.bandwidth_gbps", 128},
                   {"iommu.iotlb_entries", 128}, {"iommu.iotlb_ways", 8}, {"iommu.pwc_pml4_entries", 4},
                   {"iommu.pwc_pdpt_entries", 16}, {"iommu.pwc_pd_entries", 32}, {"iommu.walkers", 8}},
     .sources = {{"pcie.gen", "Intel ARK, Xeon Gold 6140: PCI Express 3.0"},
                 {"pcie.lanes", "x16 slot, as the ConnectX-5 in Rubin et al., SOSP 2024 §2.2"},
                 {"dma.memory_ns", "Intel MLC 3.10 idle latency 89-90 ns, Xeon Gold 6140 (VSC genius/skylake_mlc.txt)"},
                 {"memory.bandwidth_gbps", "6 channels DDR4-2666 x 21.3 GB/s (Intel ARK, Xeon Gold 6140)"},
                 {"iommu.iotlb_entries", "derived from pcie-bench data (Xeon E5 v1-v4): misses begin past 512 KiB of "
                                         "4 KiB pages; nothing published for Skylake-SP"},
                 {"iommu.iotlb_ways", "not published; chosen"},
                 {"iommu.pwc_pml4_entries", "not published; chosen"},
                 {"iommu.pwc_pdpt_entries", "not published; chosen"},
                 {"iommu.pwc_pd_entries", "derived lower bound from pcie-bench (flat latency 4-64 MiB windows)"},
                 {"iommu.walkers", "not published; chosen: Arm MMU-500's 8 parallel walks (DDI0517 §2.3.5)"}}});

}  // namespace svasim
