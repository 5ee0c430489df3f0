// Linux 6.12+: intel/cache.c with qi_batch_add_desc(), up to 16 descriptors per qi_submit_sync.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.12-vtd",
                     {.description = "Intel VT-d, Linux 6.12+: cache tags with qi_batch",
                      .companions = {{"domain", "per-mm"}, {"flush", "vtd-qi-batch"}, {"queue", "vtd-qi"}}});

}  // namespace svasim
