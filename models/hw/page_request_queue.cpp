// The IOMMU's page-request queue (PRI) and the CPU work behind it (engine/page_request.cpp).
#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "pri.dispatch_ns", .unit = "ns", .default_value = 3300, .max = 1e12,
              .description = "page request to fault handler: PRQ interrupt, IOPF work queue wake-up (so that the fastest "
                             "fault costs ~5 us end to end)",
              .source = "derived from Vesely et al., ISPASS 2016: PRI faults 5..140 us, CPU fault 1.7 us"});
SVASIM_PARAM({.name = "pri.prq_entries", .unit = "requests", .default_value = 2048, .min = 1, .max = 1 << 20, .integer = true,
              .description = "page requests the IOMMU's page-request queue holds; more in flight overflow it (the request "
                             "fails and an unbind's drain is retried)",
              .source = "PRQ_ORDER 4 (64 KiB of 32-byte descriptors), intel/prq.c"});
SVASIM_PARAM({.name = "pri.fault_ns", .unit = "ns", .default_value = 1700, .max = 1e12,
              .description = "CPU time to handle one I/O page fault (handle_mm_fault)",
              .source = "Vesely et al., ISPASS 2016 (secondary): CPU fault 1.7 us"});
}  // namespace svasim
