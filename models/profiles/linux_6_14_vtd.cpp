// Linux 6.14+: as 6.12, but cache_tag_assign() links each new tag after the last tag of its IOMMU
// (acf5d49aaf86 "iommu/vt-d: Link cache tags of same iommu unit together"), so every IOMMU's tags are
// contiguous and one qi_batch serves each IOMMU however the devices were bound.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.14-vtd",
                     {.description = "Intel VT-d, Linux 6.14+: qi_batch with each IOMMU's cache tags grouped",
                      .companions = {{"domain", "per-mm"}, {"flush", "vtd-qi-batch"}, {"queue", "vtd-qi"}},
                      .overrides = {{"vtd.cache_tag_order", 1}}});

}  // namespace svasim
