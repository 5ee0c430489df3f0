// A guest with assigned devices and nested translation (QEMU's intel-iommu with x-flts=on, or smmuv3 with
// accel=on, over iommufd): the tail write is an MMIO exit to QEMU, which decodes the descriptors under the
// BQL and forwards the cache invalidations to the host with IOMMU_HWPT_INVALIDATE, waiting for each before
// the vCPU resumes. Both QEMU front ends send one request per ioctl ("Only implement one request for
// simplicity", hw/i386/intel_iommu_accel.c; smmuv3_accel_issue_inv_cmd(), hw/arm/smmuv3-accel.c), and the
// host flushes each with its own synchronous submission (intel_nested_cache_invalidate_user(),
// drivers/iommu/intel/nested.c; arm_vsmmu_cache_invalidate(), arm-smmu-v3-iommufd.c, Linux v6.12+). The
// uAPI takes an array (struct iommu_hwpt_invalidate, entry_num): vm.iommufd_batch=1 models a VMM that
// sends the exit's requests at once.
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "vm.iommufd_ns", .unit = "ns", .default_value = 1000, .max = 1e12,
              .description = "one IOMMU_HWPT_INVALIDATE ioctl from the VMM (system call, iommufd object lookup, copy "
                             "of the request), besides the physical submission it makes; unpublished (assumption)",
              .source = "assumption: no published figure (docs/notes/issue14-vm-figures.md, section 5)"});
SVASIM_PARAM({.name = "vm.iommufd_batch", .unit = "bool", .default_value = 0, .max = 1, .integer = true,
              .description = "0: one ioctl, and one host submission, per guest invalidation descriptor (QEMU "
                             "today); 1: the exit's descriptors in one ioctl and one host submission",
              .source = "intel_iommu_accel.c and smmuv3-accel.c (entry_num = 1); include/uapi/linux/iommufd.h"});

class GuestNested final : public Environment {
public:
  explicit GuestNested(const Params& p)
      : exit_(p), iommufd_s_(p.get("vm.iommufd_ns") * 1e-9), batch_(p.get_bool("vm.iommufd_batch")) {}
  bool is_guest() const override { return true; }
  bool nested_translation() const override { return true; }
  void handle_tail_write(VmmOps& vmm) const override {
    vmm.spend(exit_.user_exit(), VmmPhase::exit);
    vmm.lock_vmm(true);
    vmm.spend(static_cast<double>(vmm.descriptors()) * exit_.desc_s, VmmPhase::emulation);
    // The guest's commands go to the host with the last of them (AMD writes the tail per command).
    if (vmm.completes_submission()) vmm.host_invalidate(!batch_, iommufd_s_);
    vmm.unlock_vmm();
  }

private:
  GuestExitCost exit_;
  double iommufd_s_;
  bool batch_;
};

std::unique_ptr<Environment> make(const Params& p) { return std::make_unique<GuestNested>(p); }

}  // namespace

SVASIM_REGISTER(Environment, "guest-nested", make,
                {.description = "a guest with assigned devices and nested translation: each tail write exits, and "
                                "the VMM has the host issue the matching physical invalidations (iommufd, one "
                                "ioctl per descriptor unless vm.iommufd_batch) and waits for them under its lock",
                 .params = {"vm.exit_entry_ns", "vm.exit_kernel_ns", "vm.exit_user_ns", "vm.emulated_desc_ns",
                            "vm.iommufd_ns", "vm.iommufd_batch"},
                 .sources = {{"QEMU", "hw/i386/intel_iommu_accel.c, hw/arm/smmuv3-accel.c (one request per ioctl)"},
                             {"Linux", "intel_nested_cache_invalidate_user() drivers/iommu/intel/nested.c; "
                                       "arm_vsmmu_cache_invalidate() drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-iommufd.c"}}});

}  // namespace svasim
