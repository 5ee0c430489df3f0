// Linux 6.8-6.9: one SVA domain per mm (mm->iommu_mm), intel/svm.c still flushes per bound device.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.9-vtd",
                     {.description = "Intel VT-d, Linux 6.8-6.9: one SVA domain per mm, still per-device flushes",
                      .companions = {{"domain", "per-mm"}, {"flush", "vtd-per-device"}, {"queue", "vtd-qi"}},
                      .overrides = {{"vtd.prq_drain_per_device", 0},  // the drain waits for the whole PASID (<= 6.13)
                                    {"vtd.full_range_pasid_selective", 1},
                                    // intel_pasid_tear_down_entry() skips the devTLB in caching mode (<= 6.11)
                                    {"vtd.unbind_devtlb_in_caching_mode", 0}}});

}  // namespace svasim
