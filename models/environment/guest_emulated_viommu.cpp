// A guest with an emulated vIOMMU and emulated devices (QEMU's intel-iommu, smmuv3, amd-iommu): the VMM
// processes the whole queue synchronously during the exit, applying the invalidations to the caches it
// emulates, and writes the wait status before the vCPU resumes. One emulated queue per vIOMMU.
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

class GuestEmulatedViommu final : public Environment {
public:
  explicit GuestEmulatedViommu(const Params& p) : exit_(p) {}
  bool is_guest() const override { return true; }
  void handle_tail_write(VmmOps& vmm) const override {
    vmm.spend(exit_.seconds(vmm.descriptors()));
    vmm.emulate_invalidations();
  }

private:
  GuestExitCost exit_;
};

std::unique_ptr<Environment> make(const Params& p) { return std::make_unique<GuestEmulatedViommu>(p); }

}  // namespace

SVASIM_REGISTER(Environment, "guest-emulated-viommu", make,
                {.description = "a guest with an emulated vIOMMU and emulated devices: each tail write exits to the "
                                "VMM, which processes the queue synchronously; one emulated queue per vIOMMU "
                                "serialises the vCPUs",
                 .params = {"vm.exit_ns", "vm.emulated_desc_ns"}});

}  // namespace svasim
