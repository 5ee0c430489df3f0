// A guest with assigned devices and nested translation: on each trapped tail write the VMM has the host
// kernel issue the matching physical invalidation (iommufd's cache-invalidate ioctl) and waits for it
// before the vCPU resumes.
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "vm.iommufd_ns", .unit = "ns", .default_value = 2000, .max = 1e12,
              .description = "VMM to host kernel for a nested invalidation (iommufd cache-invalidate ioctl), besides "
                             "the physical submission itself (assumption)",
              .source = "assumption"});

class GuestNested final : public Environment {
public:
  explicit GuestNested(const Params& p) : exit_(p), iommufd_s_(p.get("vm.iommufd_ns") * 1e-9) {}
  bool is_guest() const override { return true; }
  bool nested_translation() const override { return true; }
  void handle_tail_write(VmmOps& vmm) const override {
    vmm.spend(exit_.seconds(vmm.descriptors()));
    if (!vmm.completes_submission()) return;  // the guest's commands go to the host with the last of them
    vmm.spend(iommufd_s_);
    vmm.host_submit_and_wait();
  }

private:
  GuestExitCost exit_;
  double iommufd_s_;
};

std::unique_ptr<Environment> make(const Params& p) { return std::make_unique<GuestNested>(p); }

}  // namespace

SVASIM_REGISTER(Environment, "guest-nested", make,
                {.description = "a guest with assigned devices and nested translation: each tail write exits, and "
                                "the VMM has the host issue the matching physical invalidation (iommufd) and waits "
                                "for it before the guest resumes",
                 .params = {"vm.exit_ns", "vm.emulated_desc_ns", "vm.iommufd_ns"}});

}  // namespace svasim
