#pragma once
// Where the kernel whose flushes we model runs. On bare metal its driver writes the physical queues. In a
// guest it writes a virtual IOMMU's queue: every tail-register write traps to the VMM, which handles the
// queue before the vCPU resumes, and bind programs the vIOMMU in caching mode. An environment model says
// what the VMM does during that exit, as steps on VmmOps (the engine gives them time). Pure.
#include <memory>

#include "core/params.hpp"
#include "core/registry.hpp"

namespace svasim {

// What a VMM can do while a vCPU is out of the guest on a trapped tail write.
class VmmOps {
public:
  virtual ~VmmOps() = default;
  virtual std::size_t descriptors() const = 0;  // in the submission the guest just queued
  // Whether this exit exposes the submission's last command (always, but for drivers writing the tail per
  // command: AMD): what a VMM forwards to the host, it forwards then.
  virtual bool completes_submission() const = 0;
  virtual void spend(double seconds) = 0;       // VMM time on this vCPU's exit
  // Applies the descriptors to the emulated IOMMU's and devices' caches at once (emulated devices).
  virtual void emulate_invalidations() = 0;
  // Has the host kernel issue the same invalidation on the physical queue and waits for its wait.
  virtual void host_submit_and_wait() = 0;
};

class Environment {
public:
  static constexpr AxisInfo kAxis{"environment", "Execution environments", "environment", 4};
  using FactoryType = Factory<Environment, const Params&>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~Environment() = default;

  // The kernel drives a virtual IOMMU: tail writes trap, and its VT-d runs in caching mode.
  virtual bool is_guest() const = 0;
  // DMA is translated in two stages (the guest's tables under the host's): walks are 2D.
  virtual bool nested_translation() const { return false; }
  // The VMM's work on one trapped tail write (called only when is_guest()).
  virtual void handle_tail_write(VmmOps& vmm) const = 0;
};

// The exit itself: hardware exit and entry plus handling in the VMM's user space, and the emulation of
// each queued descriptor. Shared by the guest environments (models/environment/guest_exit.cpp).
struct GuestExitCost {
  explicit GuestExitCost(const Params& p);
  double seconds(std::size_t descriptors) const { return exit_s + static_cast<double>(descriptors) * desc_s; }
  double exit_s, desc_s;
};

}  // namespace svasim
