// The CPU costs every queue discipline shares: a submission's fixed cost, each descriptor copied into
// the queue, and the poll that sees the wait's status.
#include "models/queue/queue_discipline.hpp"

namespace svasim {

SVASIM_PARAM({.name = "cpu.submit_ns", .unit = "ns", .default_value = 300, .max = 1e9,
              .description = "CPU cost of one queue submission excluding descriptor copies: lock, free-slot check, tail "
                             "write, reclaim (800 cycles at 2.6 GHz)",
              .source = "T. Zhang, 'Batch IOTLB/dev-IOTLB invalidation' series, 2024: merging saves > 800 cycles per "
                        "call"});
SVASIM_PARAM({.name = "cpu.desc_write_ns", .unit = "ns", .default_value = 10, .max = 1e9,
              .description = "CPU cost to copy one descriptor (or command) into the queue, wait descriptors included "
                             "(assumption: a 32-byte store to cached memory)",
              .source = "assumption"});
SVASIM_PARAM({.name = "cpu.poll_ns", .unit = "ns", .default_value = 20, .max = 1e9,
              .description = "delay between the wait status being written and the spinning CPU seeing it (one cpu_relax() "
                             "poll; assumption): SMMUv3 and AMD. VT-d polls are simulated one by one on bare metal "
                             "(vtd.reg_read_ns, cpu.relax_ns)",
              .source = "assumption"});
SVASIM_PARAM({.name = "queue.desc_bytes", .unit = "bytes", .default_value = 32, .min = 1, .max = 4096, .integer = true,
              .description = "bytes per descriptor moved from memory to the IOMMU (VT-d scalable-mode descriptors are "
                             "256-bit)",
              .source = "Intel VT-d specification 6.5.2 (256-bit descriptors in scalable mode)"});
}  // namespace svasim
