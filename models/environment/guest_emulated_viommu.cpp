// A guest with an emulated vIOMMU and emulated devices (QEMU's intel-iommu in caching mode, smmuv3,
// amd-iommu): a tail write (SMMUv3: the owner's PROD write) is an MMIO exit to QEMU, which handles it on
// the vCPU's thread under the BQL (prepare_mmio_access(), system/physmem.c: the vIOMMU's region is not
// lockless), processing the whole queue synchronously and writing the wait's status before the vCPU
// resumes (vtd_handle_iqt_write() -> vtd_fetch_inv_desc(), hw/i386/intel_iommu.c; smmuv3_cmdq_consume(),
// hw/arm/smmuv3.c; amdvi_cmdbuf_run(), hw/i386/amd_iommu.c).
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

class GuestEmulatedViommu final : public Environment {
public:
  explicit GuestEmulatedViommu(const Params& p) : exit_(p) {}
  bool is_guest() const override { return true; }
  void handle_tail_write(VmmOps& vmm) const override {
    vmm.spend(exit_.user_exit(), VmmPhase::exit);
    vmm.lock_vmm(true);
    vmm.spend(static_cast<double>(vmm.descriptors()) * exit_.desc_s, VmmPhase::emulation);
    vmm.emulate_invalidations();
    vmm.unlock_vmm();
  }

private:
  GuestExitCost exit_;
};

std::unique_ptr<Environment> make(const Params& p) { return std::make_unique<GuestEmulatedViommu>(p); }

}  // namespace

SVASIM_REGISTER(Environment, "guest-emulated-viommu", make,
                {.description = "a guest with an emulated vIOMMU and emulated devices: each tail write exits to the "
                                "VMM, which processes the queue synchronously under its global lock",
                 .params = {"vm.exit_entry_ns", "vm.exit_kernel_ns", "vm.exit_user_ns", "vm.emulated_desc_ns"},
                 .sources = {{"QEMU", "vtd_handle_iqt_write() hw/i386/intel_iommu.c; prepare_mmio_access() "
                                       "system/physmem.c (BQL)"}}});

}  // namespace svasim
