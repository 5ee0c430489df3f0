// The cost of one exit, shared by every guest environment. The split follows the published round trips
// (docs/notes/issue14-vm-figures.md, section 1.1): a kernel-handled exit is a CPUID-like round trip, a
// user-space one adds the way out of KVM_RUN and back and the VMM's MMIO dispatch.
#include "models/environment/environment.hpp"

namespace svasim {

SVASIM_PARAM({.name = "vm.exit_entry_ns", .unit = "ns", .default_value = 400, .max = 1e12,
              .description = "a VM exit and the VM entry that resumes the guest, with KVM's minimal handling: a "
                             "CPUID exit's round trip, 1,018-1,098 cycles at 2.6 GHz",
              .source = "S. Christopherson and B. Kauer, kvm@ \"KVM: x86: Drop the kvm_has_noapic_vcpu "
                        "optimization\", Dec 2024 (kvm-unit-tests vmexit cpuid)"});
SVASIM_PARAM({.name = "vm.exit_kernel_ns", .unit = "ns", .default_value = 200, .max = 1e12,
              .description = "KVM's decoding of a trapped MMIO write and its dispatch (to an ioeventfd, or out to "
                             "the VMM) beyond the round trip; nothing published measures it alone (assumption)",
              .source = "assumption: no published figure (docs/notes/issue14-vm-figures.md, section 5)"});
SVASIM_PARAM({.name = "vm.exit_user_ns", .unit = "ns", .default_value = 900, .max = 1e12,
              .description = "an exit handled in the VMM's user space: out of KVM_RUN and back (a 2,528-2,576-cycle "
                             "user-space round trip less the kernel one, ~580 ns at 2.6 GHz) plus QEMU's MMIO "
                             "dispatch (flat view lookup, region callback; unpublished, 300 ns chosen)",
              .source = "M. Roth, LKML 2020-12-16 (KVM_RUN round trip on SVM) less vm.exit_entry_ns; dispatch an "
                        "assumption"});
SVASIM_PARAM({.name = "vm.emulated_desc_ns", .unit = "ns", .default_value = 150, .max = 1e12,
              .description = "VMM time to process one emulated invalidation descriptor (vtd_process_inv_desc(), "
                             "smmuv3_cmdq_consume(), amdvi_cmdbuf_run()); unpublished (assumption)",
              .source = "assumption: no published figure"});

GuestExitCost::GuestExitCost(const Params& p)
    : entry_s(p.get("vm.exit_entry_ns") * 1e-9),
      kernel_s(p.get("vm.exit_kernel_ns") * 1e-9),
      user_s(p.get("vm.exit_user_ns") * 1e-9),
      desc_s(p.get("vm.emulated_desc_ns") * 1e-9) {}

}  // namespace svasim
