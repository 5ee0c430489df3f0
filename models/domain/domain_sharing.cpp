#include "models/domain/domain_sharing.hpp"

namespace svasim {

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

}  // namespace svasim
