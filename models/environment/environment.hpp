#pragma once
// Where the kernel whose flushes we model runs. On bare metal its driver writes the physical queues. In a
// guest it writes a virtual IOMMU's queue: a tail-register write (or a virtio kick) traps to the VMM,
// which handles it before the vCPU resumes, and bind programs the vIOMMU in caching mode; or, with a
// hardware-accelerated queue, the guest writes a queue of the IOMMU itself and nothing traps. An
// environment model says what the VMM does during an exit, as steps on VmmOps (the engine gives them
// time). Pure.
#include <memory>

#include "core/params.hpp"
#include "core/registry.hpp"

namespace svasim {

// Where an exit's time goes, for the breakdown of the guest's submission latency.
enum class VmmPhase {
  exit,       // hardware exit and entry, KVM's handling, the return to the VMM's user space
  emulation,  // the VMM processing the vIOMMU's descriptors (or virtio requests)
  host_call,  // the VMM's call into the host kernel (an iommufd invalidation ioctl), besides the submission
};

// What a VMM can do while a vCPU is out of the guest on a trapped tail write.
class VmmOps {
public:
  virtual ~VmmOps() = default;
  virtual std::size_t descriptors() const = 0;  // invalidation descriptors this exit exposes
  // Whether this exit exposes the submission's last command (always, but for drivers writing the tail per
  // command: AMD): what a VMM forwards to the host, it forwards then.
  virtual bool completes_submission() const = 0;
  virtual void spend(double seconds, VmmPhase phase) = 0;  // VMM time on this vCPU's exit
  // The VMM's global lock (QEMU's BQL): its MMIO handlers and main loop run under it. A vCPU thread
  // waiting for it sleeps in the host (a futex) and gives its CPU up; `vcpu_waits` is false when the work
  // runs on another VMM thread while the vCPU polls in the guest (virtio-iommu's main loop).
  virtual void lock_vmm(bool vcpu_waits) = 0;
  virtual void unlock_vmm() = 0;
  // Applies the descriptors to the emulated IOMMU's and devices' caches at once (emulated devices).
  virtual void emulate_invalidations() = 0;
  // Has the host kernel issue the matching physical invalidations and waits for each: one host
  // submission per invalidation descriptor (`per_descriptor`) or one for them all, each preceded by the
  // VMM's call of `call_s` seconds.
  virtual void host_invalidate(bool per_descriptor, double call_s) = 0;
};

class Environment {
public:
  static constexpr AxisInfo kAxis{"environment", "Execution environments", "environment", 4};
  using FactoryType = Factory<Environment, const Params&>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~Environment() = default;

  // The kernel drives a virtual IOMMU: its VT-d runs in caching mode, and it runs on vCPUs.
  virtual bool is_guest() const = 0;
  // The guest's tail writes trap to the VMM (false on bare metal and with hardware-accelerated queues).
  virtual bool tail_write_traps() const { return is_guest(); }
  // DMA is translated in two stages (the guest's tables under the host's): walks are 2D.
  virtual bool nested_translation() const { return false; }
  // The VMM's work on one trapped tail write (called only when tail_write_traps()).
  virtual void handle_tail_write(VmmOps& vmm) const = 0;
};

// An exit's own cost, by where it is handled, shared by the guest environments
// (models/environment/guest_exit.cpp). Every exit pays the hardware exit and entry and KVM's handling;
// one handled in the VMM's user space (an MMIO exit to QEMU) also pays the return to it and its dispatch.
struct GuestExitCost {
  explicit GuestExitCost(const Params& p);
  double kernel_exit() const { return entry_s + kernel_s; }
  double user_exit() const { return entry_s + kernel_s + user_s; }
  double entry_s, kernel_s, user_s, desc_s;
};

}  // namespace svasim
