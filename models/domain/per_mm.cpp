// 6.8+: mm->iommu_mm->sva_domains; a bind first tries iommu_attach_device_pasid() on the existing
// domains, and VT-d and AMD accept any device, so one domain (one notifier) serves the whole mm.
#include "models/domain/domain_sharing.hpp"

namespace svasim {

namespace {

class PerMm final : public DomainSharing {
public:
  int join(const std::vector<SvaDomain>& live, const Attachment&) const override { return live.empty() ? -1 : 0; }
};

std::unique_ptr<DomainSharing> make() { return std::make_unique<PerMm>(); }

}  // namespace

SVASIM_REGISTER(DomainSharing, "per-mm", make,
                {.description = "one SVA domain per mm shared by all its devices (iommu core 6.8+)"});

}  // namespace svasim
