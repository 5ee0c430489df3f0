// Linux 6.8-6.9: one SVA domain per mm (mm->iommu_mm), intel/svm.c still flushes per bound device.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.9-vtd",
                     {.description = "Intel VT-d, Linux 6.8-6.9: one SVA domain per mm, still per-device flushes",
                      .companions = {{"domain", "per-mm"}, {"flush", "vtd-per-device"}, {"queue", "vtd-qi"}},
                      .overrides = {{"vtd.full_range_pasid_selective", 1}}});

}  // namespace svasim
