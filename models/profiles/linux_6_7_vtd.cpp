// Linux 6.7: iommu_sva_bind_device() allocates a domain per device (core before 6.8); intel/svm.c flushes per device.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.7-vtd",
                     {.description = "Intel VT-d, Linux 6.7: per-device SVA domains, per-device flushes",
                      .companions = {{"domain", "per-device"}, {"flush", "vtd-per-device"}, {"queue", "vtd-qi"}},
                      // intel_flush_svm_all() is in 6.7 (e7ad6c2a4b1a, 6.7-rc4): the default applies.
                      .overrides = {{"vtd.prq_drain_per_device", 0},  // the drain waits for the whole PASID (<= 6.13)
                                    // qi_check_fault() has no pci_device_is_present() check before 6.9
                                    {"vtd.ite_removed_device_fails", 0},
                                    // intel_pasid_tear_down_entry() skips the devTLB in caching mode (<= 6.11)
                                    {"vtd.unbind_devtlb_in_caching_mode", 0}}});

}  // namespace svasim
