// A guest with a virtio-iommu (QEMU's virtio-iommu-pci, Linux drivers/iommu/virtio-iommu.c): the guest
// queues its requests and kicks the request virtqueue once per sync (viommu_sync_req()); the kick is an
// ioeventfd, an exit KVM handles itself, and the vCPU then busy-polls the used ring under its
// request_lock while QEMU's main loop pops the requests under the BQL (virtio_iommu_handle_command(),
// hw/virtio/virtio-iommu.c) and unmaps through VFIO, whose host flush is one physical submission. The
// guest's flush plan stands for the requests: one request per submission's descriptors (virtio-iommu has no
// PASID: an approximation of its transport and costs on the same flushes, not of its driver's plan).
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "vm.virtio_request_ns", .unit = "ns", .default_value = 1000, .max = 1e12,
              .description = "QEMU's handling of one virtio-iommu request (pop, decode, VFIO_IOMMU_UNMAP_DMA call) "
                             "besides the host's flush; unpublished (assumption)",
              .source = "assumption: no published figure; J-P. Brucker, LKML 2023-08-02, measures only end to end"});

class GuestVirtioIommu final : public Environment {
public:
  explicit GuestVirtioIommu(const Params& p) : exit_(p), request_s_(p.get("vm.virtio_request_ns") * 1e-9) {}
  bool is_guest() const override { return true; }
  void handle_tail_write(VmmOps& vmm) const override {
    vmm.spend(exit_.kernel_exit(), VmmPhase::exit);  // ioeventfd: back to the guest, which polls
    if (!vmm.completes_submission()) return;
    vmm.lock_vmm(false);  // the main loop's work: the vCPU polls meanwhile
    vmm.spend(request_s_, VmmPhase::emulation);
    vmm.host_invalidate(false, 0);
    vmm.unlock_vmm();
  }

private:
  GuestExitCost exit_;
  double request_s_;
};

std::unique_ptr<Environment> make(const Params& p) { return std::make_unique<GuestVirtioIommu>(p); }

}  // namespace

SVASIM_REGISTER(Environment, "guest-virtio-iommu", make,
                {.description = "a guest with a virtio-iommu: one kernel-handled kick per sync, the VMM's main loop "
                                "handles the request under its global lock and the host flushes (approximation: "
                                "the profile's submissions stand for the requests)",
                 .params = {"vm.exit_entry_ns", "vm.exit_kernel_ns", "vm.virtio_request_ns"},
                 .sources = {{"Linux", "viommu_sync_req() drivers/iommu/virtio-iommu.c"},
                             {"QEMU", "virtio_iommu_handle_command() hw/virtio/virtio-iommu.c"}}});

}  // namespace svasim
