// Linux 6.7: iommu_sva_bind_device() allocates a domain per device (core before 6.8); intel/svm.c flushes per device.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.7-vtd",
                     {.description = "Intel VT-d, Linux 6.7: per-device SVA domains, per-device flushes",
                      .companions = {{"domain", "per-device"}, {"flush", "vtd-per-device"}, {"queue", "vtd-qi"}},
                      .overrides = {{"vtd.full_range_pasid_selective", 0},
                                    // intel_pasid_tear_down_entry() skips the devTLB in caching mode (<= 6.11)
                                    {"vtd.unbind_devtlb_in_caching_mode", 0}}});

}  // namespace svasim
