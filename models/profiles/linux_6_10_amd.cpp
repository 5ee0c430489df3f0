// Linux 6.10+: amd/pasid.c, one SVA protection domain per mm, flushed per (device, PASID).
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.10-amd",
                     {.description = "AMD IOMMU v2, Linux 6.10+: per device-PASID flushes and waits",
                      .companions = {{"domain", "per-mm"}, {"flush", "amd"}, {"queue", "amd-cmdbuf"}}});

}  // namespace svasim
