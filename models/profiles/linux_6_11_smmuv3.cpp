// Linux 6.11+: arm-smmu-v3-sva.c, one SVA domain, ASID and notifier per (mm, SMMU).
#include "models/profiles/profile.hpp"

namespace svasim {

SVASIM_REGISTER_DATA(Profile, "linux-6.11-smmuv3",
                     {.description = "Arm SMMUv3, Linux 6.11+: one SVA domain per (mm, SMMU)",
                      .companions = {{"domain", "per-mm-iommu"}, {"flush", "smmuv3"}, {"queue", "smmu-cmdq"}}});

}  // namespace svasim
