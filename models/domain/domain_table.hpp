#pragma once
// The SVA domains of one mm over time: binds attach (joining a live domain or allocating one, as the
// sharing model decides), unbinds detach, and a domain is freed when its last attachment goes. Ids are
// never reused, so a domain freed and a later one allocated are told apart (new DID / ASID). Binding a
// device the mm already has only counts another user of the handle (6.10 per-handle users).
#include <vector>

#include "models/domain/domain_sharing.hpp"

namespace svasim {

struct AttachResult {
  int domain = -1;
  bool new_handle = false;      // false: the device was already bound; only its users count grew
  bool allocated = false;       // a new domain was allocated for this bind
  bool first_of_mm = false;     // the mm had no attachment before: PASID allocation, notifier
};

struct DetachResult {
  int domain = -1;
  bool last_user = false;       // the handle's last user went: the attachment is torn down
  bool freed = false;           // ... and it was the domain's last attachment: the domain is freed
};

class DomainTable {
public:
  explicit DomainTable(const DomainSharing& sharing) : sharing_(sharing) {}
  AttachResult attach(const Attachment& a);
  DetachResult detach(int device);  // a device with no handle is a logic_error
  const std::vector<SvaDomain>& live() const { return live_; }  // creation order, ids unique over time
  int domain_of(int device) const;  // -1 when not bound
  int allocated() const { return next_id_; }

private:
  const DomainSharing& sharing_;
  std::vector<SvaDomain> live_;
  std::vector<std::pair<int, int>> users_;  // (device, users of its handle)
  int next_id_ = 0;
};

}  // namespace svasim
