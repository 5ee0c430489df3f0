// Linux 6.10-6.11: intel/cache.c cache_tag_flush_range(), one qi_submit_sync per tag.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.10-vtd",
                     {.description = "Intel VT-d, Linux 6.10-6.11: cache tags, one submission per tag",
                      .companions = {{"domain", "per-mm"}, {"flush", "vtd-cache-tags"}, {"queue", "vtd-qi"}},
                      // cache_tag_assign() links a new tag with list_add_tail(): attach order;
                      // intel_pasid_tear_down_entry() skips the devTLB in caching mode (<= 6.11).
                      .overrides = {{"vtd.prq_drain_per_device", 0},  // the drain waits for the whole PASID (<= 6.13)
                                    {"vtd.cache_tag_order", 2}, {"vtd.unbind_devtlb_in_caching_mode", 0}}});

}  // namespace svasim
