// PCIe as the platform (engine/platform.cpp) and the actors see it: the size of ATS messages and the
// memory access behind the root complex.
#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "pcie.ats_msg_bytes", .unit = "bytes", .default_value = 32, .min = 1, .max = 4096, .integer = true,
              .description = "bytes of an ATS Invalidate Request or Completion on the link (TLP header + payload; "
                             "assumption)",
              .source = "assumption from PCIe TLP sizes"});
SVASIM_PARAM({.name = "dma.memory_ns", .unit = "ns", .default_value = 100, .max = 1e9,
              .description = "memory access behind the root complex for one DMA request; with two 250 ns link traversals a"
                             " 64 B read round trip on an IOTLB hit is ~610 ns",
              .source = "derived from pcie-bench (Neugebauer et al., SIGCOMM 2018): 64 B DMA read ~610 ns, Broadwell,"
                        " Gen3 x8"});
}  // namespace svasim
