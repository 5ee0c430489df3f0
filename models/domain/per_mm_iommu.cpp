// SMMUv3 6.11+: arm_smmu_sva_domain_alloc() makes the domain per (mm, SMMU instance); attaching a device
// behind another SMMU fails, so the core allocates a new domain. Domains are created in order of the first
// device bound behind each SMMU.
#include "models/domain/domain_sharing.hpp"

namespace svasim {

namespace {

class PerMmIommu final : public DomainSharing {
public:
  int join(const std::vector<SvaDomain>& live, const Attachment& a) const override {
    for (std::size_t i = 0; i < live.size(); ++i)
      if (!live[i].attachments.empty() && live[i].attachments.front().iommu == a.iommu) return static_cast<int>(i);
    return -1;
  }
};

std::unique_ptr<DomainSharing> make() { return std::make_unique<PerMmIommu>(); }

}  // namespace

SVASIM_REGISTER(DomainSharing, "per-mm-iommu", make,
                {.description = "one SVA domain per (mm, IOMMU instance) (Arm SMMUv3 6.11+)"});

}  // namespace svasim
