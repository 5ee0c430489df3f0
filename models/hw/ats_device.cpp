// An ATS-capable device as the ATS responder and DMA engine actors see it: its ATC geometry, how long it
// takes to answer an Invalidate Request, and how many it accepts at once (ITags).
#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "device.ats_inv_ns", .unit = "ns", .default_value = 3300, .max = 1e12,
              .description = "device time to process one ATS Invalidate Request before answering (default for devices "
                             "without their own ats_inv_ns); 4.2 us end to end through the IOMMU minus the rest of the "
                             "path",
              .source = "derived from Vesely et al., ISPASS 2016: device TLB shootdown 4.2 us (one entry)"});
SVASIM_PARAM({.name = "device.ats_inv_jitter_ns", .unit = "ns", .default_value = 0, .max = 1e12,
              .description = "mean of an exponential extra delay added to each ATS invalidation answer, drawn from the "
                             "device's seeded stream (assumption: 0 keeps answers constant; no published distribution)",
              .source = "assumption"});
SVASIM_PARAM({.name = "device.max_ats_inv_outstanding", .unit = "requests", .default_value = 32, .min = 1, .max = 32, .integer = true,
              .description = "ATS Invalidate Requests outstanding per device (ITag 0..31)",
              .source = "PCIe ATS specification (ITag)"});
SVASIM_PARAM({.name = "device.ats_inv_waits_for_dma", .unit = "bool", .default_value = 1, .max = 1, .integer = true,
              .description = "a device answers an ATS invalidation only after in-flight DMA that used the old translation "
                             "finished (0 models a broken device, for what-if studies; the stale-translation check then "
                             "fires)",
              .source = "PCIe ATS specification (Invalidate Completion semantics)"});
SVASIM_PARAM({.name = "device.atc_entries", .unit = "entries", .default_value = 64, .max = 1 << 20, .integer = true,
              .description = "device ATC entries (0: no ATC); no device publishes its size (assumption near gem5's "
                             "32-entry uTLB)",
              .source = "assumption (gem5 SMMUv3 uTLB 32 as a nearby figure)"});
SVASIM_PARAM({.name = "device.atc_ways", .unit = "ways", .default_value = 4, .min = 1, .max = 1 << 20, .integer = true,
              .description = "device ATC associativity (assumption)",
              .source = "assumption"});
}  // namespace svasim
