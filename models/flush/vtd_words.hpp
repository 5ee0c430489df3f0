#pragma once
// VT-d invalidation descriptors as the kernel writes them into the queue: the four 64-bit words that
// trace_qi_submit() prints (intel/trace.h), built as intel/iommu.h's QI_* macros and qi_desc_*() helpers
// build them (6.12 as read), prq.c's drain and page response included. Pure.
#include <array>
#include <cstdint>

#include "models/flush/plan.hpp"

namespace svasim {

// The identifiers a descriptor carries besides what the plan says. The topology has no PCI bus numbers and
// svasim numbers PASIDs and domains its own way, so these are svasim's (synthetic_sid()), not a machine's.
struct VtdIds {
  std::uint32_t pasid = 0;
  std::uint16_t did = 0;
  std::uint16_t sid = 0;   // the device's requester ID
  unsigned qdep = 0;       // its ATS Invalidate Queue Depth as pci_ats_queue_depth() reports it (32 for 0)
  bool ih = false;         // invalidation hint (the SVA notifier path passes 0)
  // The PF's requester ID, only where the IOMMU reports Device-TLB Invalidation Throttling (ecap DIT);
  // otherwise reserved and 0 (the driver's probe: "If DIT is not set, PFSID will be treated as reserved").
  std::uint16_t pfsid = 0;
};

// Device `index`'s requester ID: bus 1 + index / 256, devfn index % 256.
std::uint16_t synthetic_sid(int device_index);

// qw0..qw3 of `d` (a VT-d kind), as qi_submit_sync() copies it into the ring.
std::array<std::uint64_t, 4> vtd_descriptor_words(const Descriptor& d, const VtdIds& ids);

// The wait descriptor qi_submit_sync() appends (not traced by the kernel): qw0 only, the status address
// in qw1 being a physical address. `drain`: QI_OPT_WAIT_DRAIN, the Page-request Drain flag.
std::uint64_t vtd_wait_qw0(bool drain);

}  // namespace svasim
