#pragma once
// The host's other users of an IOMMU a nested guest's devices sit behind: the host kernel's own
// invalidations of its own address spaces, which share the physical queue (its lock, ring and engine) with
// the submissions the host makes for the guest. Pure.
#include <string>

#include "models/flush/plan.hpp"

namespace svasim {

class Params;

struct HostLoad {
  double per_ns = 0;  // invalidations per ns on each IOMMU (Poisson); 0: none
  static HostLoad from(const Params& p);
};

// One page-selective IOTLB invalidation as the host's driver family writes it (the queue model's name:
// vtd-*, smmu-*, amd-*), to be followed by the family's wait.
Descriptor host_iotlb_invalidation(const std::string& queue_model);

}  // namespace svasim
