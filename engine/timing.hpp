#pragma once
// Parameters the actors need, read once per run from the declarations (models/) so that no actor looks
// a name up on a simulated path.
#include <cstdint>

#include "core/params.hpp"

namespace svasim {

// Parameters read once so actors never look a name up on their paths (values in seconds or bytes).
struct Timing {
  double notifier, submit, desc_write, poll;  // CPU
  double iotlb_inv, devtlb_issue, wait;       // IOMMU engine
  double device_ats_inv;                      // default per-device ATS invalidation time
  double device_ats_jitter;                   // mean exponential extra delay per answer
  std::uint64_t desc_bytes, ats_msg_bytes;
  int max_ats_outstanding;
  double memory, iotlb_miss, walk_read;       // translation path
  double pri_dispatch, pri_fault;             // I/O page faults
  int prq_entries;
  int dma_max_outstanding;
  int walkers;                                   // concurrent page walks per IOMMU
  bool ats_inv_waits_for_dma;
  double bind, unbind;                           // CPU work of bind / unbind besides the queues
  double ats_timeout = 0;                        // the driver family's time-out (set by World)
  bool timeout_halts_queue = false;              // VT-d ITE: the queue stops until a CPU clears it (set by World)
  double reg_read, relax;                        // VT-d qi_check_fault() MMIO read; cpu_relax()
  // SVASIM_SIMULATE_EVERY_POLL=1: simulate every poll of a VT-d spin even when nobody can see it (the
  // reference the shortcut in engine/submit.cpp is tested against; same results, more events).
  bool simulate_every_poll = false;
  explicit Timing(const Params& p);
};

}  // namespace svasim
