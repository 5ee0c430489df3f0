#include "models/domain/domain_sharing.hpp"

#include <algorithm>

namespace svasim {

namespace {

// iommu_sva_bind_device() before 6.8: iommu_sva_domain_alloc() per device; the domain is reused only
// by a later bind of the same device and mm, so every bound device has a domain (and notifier) of its own.
class PerDevice final : public DomainSharing {
public:
  int join(const std::vector<SvaDomain>&, const Attachment&) const override { return -1; }
};

// 6.8+: mm->iommu_mm->sva_domains; a bind first tries iommu_attach_device_pasid() on the existing
// domains, and VT-d and AMD accept any device, so one domain (one notifier) serves the whole mm.
class PerMm final : public DomainSharing {
public:
  int join(const std::vector<SvaDomain>& live, const Attachment&) const override { return live.empty() ? -1 : 0; }
};

// SMMUv3 6.11+: arm_smmu_sva_domain_alloc() makes the domain per (mm, SMMU instance); attaching a
// device behind another SMMU fails, so the core allocates a new domain. Domains are created in order
// of the first device bound behind each SMMU.
class PerMmIommu final : public DomainSharing {
public:
  int join(const std::vector<SvaDomain>& live, const Attachment& a) const override {
    for (std::size_t i = 0; i < live.size(); ++i)
      if (!live[i].attachments.empty() && live[i].attachments.front().iommu == a.iommu) return static_cast<int>(i);
    return -1;
  }
};

}  // namespace

std::vector<SvaDomain> DomainSharing::domains(const std::vector<Attachment>& bound) const {
  std::vector<SvaDomain> out;
  for (const Attachment& a : bound) {
    const int k = join(out, a);
    if (k < 0)
      out.push_back(SvaDomain{static_cast<int>(out.size()), {a}});
    else
      out[static_cast<std::size_t>(k)].attachments.push_back(a);
  }
  return out;
}

std::unique_ptr<DomainSharing> make_per_device_domains() { return std::make_unique<PerDevice>(); }
std::unique_ptr<DomainSharing> make_per_mm_domain() { return std::make_unique<PerMm>(); }
std::unique_ptr<DomainSharing> make_per_mm_iommu_domains() { return std::make_unique<PerMmIommu>(); }

}  // namespace svasim
