// Linux 6.12-6.13: intel/cache.c with qi_batch_add_desc(), up to 16 descriptors per qi_submit_sync; the
// cache tags still in attach order (list_add_tail), so a walk over interleaved IOMMUs flushes the batch
// at every change of IOMMU.
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.12-vtd",
                     {.description = "Intel VT-d, Linux 6.12-6.13: cache tags with qi_batch, tags in attach order",
                      .companions = {{"domain", "per-mm"}, {"flush", "vtd-qi-batch"}, {"queue", "vtd-qi"}},
                      .overrides = {{"vtd.prq_drain_per_device", 0},  // the drain waits for the whole PASID (<= 6.13)
                                    {"vtd.cache_tag_order", 2}}});

}  // namespace svasim
