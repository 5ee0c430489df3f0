#include "models/domain/domain_table.hpp"

#include "core/params.hpp"

#include <algorithm>
#include <stdexcept>

namespace svasim {

SVASIM_PARAM({.name = "cpu.bind_ns", .unit = "ns", .default_value = 2000, .max = 1e12,
              .description = "CPU cost of a bind besides its queue work: domain lookup or allocation, cache tags, PASID-table "
                             "entry, notifier registration (assumption)",
              .source = "assumption"});
SVASIM_PARAM({.name = "cpu.unbind_ns", .unit = "ns", .default_value = 2000, .max = 1e12,
              .description = "CPU cost of an unbind besides its queue work: PASID-entry teardown, tag release, domain put "
                             "(assumption)",
              .source = "assumption"});

AttachResult DomainTable::attach(const Attachment& a) {
  AttachResult r;
  for (auto& [device, users] : users_)
    if (device == a.device) {
      ++users;
      r.domain = domain_of(a.device);
      return r;
    }
  r.new_handle = true;
  r.first_of_mm = users_.empty();
  users_.emplace_back(a.device, 1);
  const int k = sharing_.join(live_, a);
  if (k < 0) {
    live_.push_back(SvaDomain{next_id_++, {a}});
    r.allocated = true;
    r.domain = live_.back().id;
  } else {
    live_[static_cast<std::size_t>(k)].attachments.push_back(a);
    r.domain = live_[static_cast<std::size_t>(k)].id;
  }
  return r;
}

DetachResult DomainTable::detach(int device) {
  auto u = std::find_if(users_.begin(), users_.end(), [&](const auto& p) { return p.first == device; });
  if (u == users_.end()) throw std::logic_error("detach of a device that is not bound");
  DetachResult r;
  r.domain = domain_of(device);
  if (--u->second > 0) return r;
  users_.erase(u);
  r.last_user = true;
  for (auto d = live_.begin(); d != live_.end(); ++d) {
    auto& at = d->attachments;
    auto it = std::find_if(at.begin(), at.end(), [&](const Attachment& x) { return x.device == device; });
    if (it == at.end()) continue;
    at.erase(it);
    if (at.empty()) {
      live_.erase(d);
      r.freed = true;
    }
    break;
  }
  return r;
}

int DomainTable::domain_of(int device) const {
  for (const SvaDomain& d : live_)
    for (const Attachment& a : d.attachments)
      if (a.device == device) return d.id;
  return -1;
}

}  // namespace svasim
