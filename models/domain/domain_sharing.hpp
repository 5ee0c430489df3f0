#pragma once
// How the binds of one mm map to SVA domains (and therefore to mmu_notifiers).
#include <memory>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

class DomainSharing {
public:
  static constexpr AxisInfo kAxis{"domain", "Domain-sharing models", "models.domain", 1};
  using FactoryType = Factory<DomainSharing>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~DomainSharing() = default;
  // The bind path: which of the mm's live domains a new attachment joins (an index into `live`), or -1
  // when every one refuses and a new domain is allocated (iommu_sva_bind_device()).
  virtual int join(const std::vector<SvaDomain>& live, const Attachment& a) const = 0;
  // `bound` is the mm's attachments in bind order; returns its domains, each with its attachments in
  // attach order, domains in creation order, ids 0..n-1 (binding them one by one through join()).
  std::vector<SvaDomain> domains(const std::vector<Attachment>& bound) const;
};

// Builds a registered model (names come from checked scenarios).
inline std::unique_ptr<DomainSharing> make_domain_sharing(const std::string& name) {
  return DomainSharing::factory().make(name);
}

}  // namespace svasim
