#pragma once
// A profile is a kernel version's behaviour by name: the model it uses on each axis (domain sharing,
// flush planner, queue discipline) and the parameter values that version fixes. Data only; each profile
// registers itself in its own file:
//
//   SVASIM_REGISTER_DATA(Profile, "linux-6.12-vtd", {.description = "...",
//                        .companions = {{"domain", "per-mm"}, {"flush", "vtd-qi-batch"}, {"queue", "vtd-qi"}}});
#include "core/registry.hpp"

namespace svasim {

struct Profile {
  static constexpr AxisInfo kAxis{"profile", "Profiles", "profile", 0};
};

}  // namespace svasim
