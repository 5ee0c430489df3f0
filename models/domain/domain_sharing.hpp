#pragma once
// How the binds of one mm map to SVA domains (and therefore to mmu_notifiers).
#include <memory>
#include <string>
#include <vector>

#include "models/flush/plan.hpp"

namespace svasim {

class DomainSharing {
public:
  virtual ~DomainSharing() = default;
  // The bind path: which of the mm's live domains a new attachment joins (an index into `live`), or -1
  // when every one refuses and a new domain is allocated (iommu_sva_bind_device()).
  virtual int join(const std::vector<SvaDomain>& live, const Attachment& a) const = 0;
  // `bound` is the mm's attachments in bind order; returns its domains, each with its attachments in
  // attach order, domains in creation order, ids 0..n-1 (binding them one by one through join()).
  std::vector<SvaDomain> domains(const std::vector<Attachment>& bound) const;
};

// core before 6.8: one SVA domain per bound device.
std::unique_ptr<DomainSharing> make_per_device_domains();
// core 6.8+: one SVA domain per mm shared by every device (VT-d, AMD).
std::unique_ptr<DomainSharing> make_per_mm_domain();
// SMMUv3 6.11+: one SVA domain per (mm, SMMU instance), in order of the first device behind each SMMU.
std::unique_ptr<DomainSharing> make_per_mm_iommu_domains();

}  // namespace svasim
