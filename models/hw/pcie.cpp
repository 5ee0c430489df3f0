// PCIe as the platform (engine/platform.cpp) and the actors see it: the size of ATS messages and the
// memory access behind the root complex.
#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "pcie.ats_msg_bytes", .unit = "bytes", .default_value = 32, .min = 1, .max = 4096, .integer = true,
              .description = "bytes of an ATS Invalidate Request or Completion on the link (TLP header + payload; "
                             "assumption)",
              .source = "assumption from PCIe TLP sizes"});
SVASIM_PARAM({.name = "dma.memory_ns", .unit = "ns", .default_value = 90, .max = 1e9,
              .description = "memory access behind the root complex on an idle memory (DRAM latency); DMA data and walk "
                             "reads also queue for memory.bandwidth_gbps",
              .source = "Intel MLC 3.10 idle latency, Xeon Gold 6140 (Skylake-SP): 89-90 ns (VSC genius/skylake_mlc.txt)"});
SVASIM_PARAM({.name = "memory.bandwidth_gbps", .unit = "GB/s", .default_value = 128, .min = 0.001, .max = 1e6,
              .description = "memory bandwidth of the CPU package, shared by the DMA data and page-walk reads of every "
                             "root complex",
              .source = "6 channels of DDR4-2666 (21.3 GB/s each), Xeon Scalable 1st gen (Intel ARK, Xeon Gold 6140)"});
SVASIM_PARAM({.name = "pcie.gen", .unit = "generation", .default_value = 3, .min = 1, .max = 6, .integer = true,
              .description = "PCIe generation of a link the topology gives no bandwidth (8 GT/s for Gen3, doubling)",
              .source = "Skylake-SP root ports are PCIe 3.0 (Intel ARK, Xeon Gold 6140)"});
SVASIM_PARAM({.name = "pcie.lanes", .unit = "lanes", .default_value = 16, .min = 1, .max = 32, .integer = true,
              .description = "width of a link the topology gives no bandwidth",
              .source = "an x16 slot, as the 100 GbE NIC in Rubin et al., SOSP 2024 §2.2 (PCIe 3.0 x16)"});
SVASIM_PARAM({.name = "pcie.link_latency_ns", .unit = "ns", .default_value = 150, .max = 1e9,
              .description = "one traversal of a link the topology gives no latency (ports, PHY, flight); with the "
                             "defaults a 64 B read on an IOTLB hit takes ~400 ns",
              .source = "assumption: the split between device, link and root complex is not published; 64 B DMA reads "
                        "of 300-400 ns unloaded on post-Broadwell servers are reported (Neugebauer et al., SIGCOMM 2018; "
                        "Novakovic et al., SYSTOR 2019), 600 ns on Xeon E5 (pcie-bench data)"});
}  // namespace svasim
