#include "models/vm/host_load.hpp"

#include "core/params.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "vm.host_inv_per_ms", .unit = "1/ms", .default_value = 0, .max = 1e6,
              .description = "the host's other users of each IOMMU: page-selective IOTLB invalidations (one descriptor "
                             "and a wait) the host kernel submits to each physical queue per ms, Poisson, competing "
                             "with the submissions it makes for a nested guest; 0: none",
              .source = "a workload choice"});

}  // namespace

HostLoad HostLoad::from(const Params& p) { return HostLoad{p.get("vm.host_inv_per_ms") * 1e-6}; }

Descriptor host_iotlb_invalidation(const std::string& queue_model) {
  const DescKind kind = queue_model.rfind("smmu", 0) == 0  ? DescKind::smmu_tlbi_va
                        : queue_model.rfind("amd", 0) == 0 ? DescKind::amd_inv_iommu_pages
                                                           : DescKind::vtd_piotlb;
  return Descriptor{kind, -1, 0, 0, false, false};
}

}  // namespace svasim
