// iommu_sva_bind_device() before 6.8: iommu_sva_domain_alloc() per device; the domain is reused only by a
// later bind of the same device and mm, so every bound device has a domain (and notifier) of its own.
#include "models/domain/domain_sharing.hpp"

namespace svasim {

namespace {

class PerDevice final : public DomainSharing {
public:
  int join(const std::vector<SvaDomain>&, const Attachment&) const override { return -1; }
};

std::unique_ptr<DomainSharing> make() { return std::make_unique<PerDevice>(); }

}  // namespace

SVASIM_REGISTER(DomainSharing, "per-device", make,
                {.description = "one SVA domain per bound device (iommu core before 6.8)"});

}  // namespace svasim
