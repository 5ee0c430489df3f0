// A guest whose invalidation queue is the IOMMU's own hardware, mapped into it: NVIDIA's Tegra241 CMDQV
// VCMDQs (drivers/iommu/arm/arm-smmu-v3/tegra241-cmdqv.c, iommufd IOMMU_HW_QUEUE_ALLOC: the VINTF's
// PROD/CONS page is mmapped into the guest), AMD's hardware vIOMMU (virtualized command buffer, AMD IOMMU
// specification 48882 rev 3.07) and Arm's ECMDQ. The guest writes the queue and polls its completion with
// no exit; the IOMMU processes it like the host's. Nested translation. What is left is the hardware's own
// cost, the same as the host's (N. Chen, "Add Tegra241 (Grace) CMDQV Support", Aug 2024: 70-90 % less guest
// invalidation time than a trapped nested SMMU queue). Modelled on the IOMMU's one queue: a VCMDQ of the
// guest's own, apart from the host's, is not.
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

class GuestHwQueue final : public Environment {
public:
  bool is_guest() const override { return true; }
  bool tail_write_traps() const override { return false; }
  bool nested_translation() const override { return true; }
  void handle_tail_write(VmmOps&) const override {}
};

std::unique_ptr<Environment> make(const Params&) { return std::make_unique<GuestHwQueue>(); }

}  // namespace

SVASIM_REGISTER(Environment, "guest-hw-queue", make,
                {.description = "a guest with a hardware-accelerated invalidation queue (NVIDIA VCMDQ, AMD hardware "
                                "vIOMMU, Arm ECMDQ): the guest writes the IOMMU's queue directly, no exits; nested "
                                "translation",
                 .sources = {{"Linux", "tegra241_guest_vcmdq_supports_cmd() drivers/iommu/arm/arm-smmu-v3/tegra241-cmdqv.c; IOMMU_HW_QUEUE_ALLOC include/uapi/linux/iommufd.h"},
                             {"vendor", "N. Chen, [PATCH v12 00/10] Add Tegra241 (Grace) CMDQV Support, Aug 2024; AMD "
                                        "IOMMU specification 48882 rev 3.07 (hardware vIOMMU)"}}});

}  // namespace svasim
