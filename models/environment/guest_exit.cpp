// The cost of one trapped tail write, shared by every guest environment.
#include "models/environment/environment.hpp"

namespace svasim {

SVASIM_PARAM({.name = "vm.exit_ns", .unit = "ns", .default_value = 3200, .max = 1e12,
              .description = "a guest's tail-register write: MMIO exit, handling in the VMM's user space, re-entry "
                             "(a ~2,550-cycle KVM_RUN round trip, x3.3 when handled in user space, at 2.6 GHz)",
              .source = "derived from LKML Dec 2020 (SVM exit/entry, KVM_RUN ~2,550 cycles) and P. Bonzini, VMX "
                        "series 2019 (3.3x in user space)"});
SVASIM_PARAM({.name = "vm.emulated_desc_ns", .unit = "ns", .default_value = 150, .max = 1e12,
              .description = "VMM time to process one emulated invalidation descriptor (assumption)",
              .source = "assumption"});

GuestExitCost::GuestExitCost(const Params& p)
    : exit_s(p.get("vm.exit_ns") * 1e-9), desc_s(p.get("vm.emulated_desc_ns") * 1e-9) {}

}  // namespace svasim
