#pragma once
// Descriptors as text in the hardware's and the drivers' vocabulary (VT-d specification 6.5.2 descriptor
// names, SMMUv3 command opcodes, AMD IOMMU command names), for `svasim plan` and traces. Pure.
#include <string>
#include <vector>

#include "models/flush/plan.hpp"

namespace svasim {

// "p_iotlb_inv_dsc addr 0x200000 am 3 (8 pages)", "CMD_ATC_INV nic0 whole ASID", ... `device_names`
// names topology devices by index (a device index out of range prints as "dev<N>").
std::string describe(const Descriptor& d, const std::vector<std::string>& device_names);
// Whether `k` is a VT-d descriptor (rather than an SMMUv3 or AMD command).
bool is_vtd(DescKind k);
// The command that closes a submission of the family of `k`: inv_wait_dsc, CMD_SYNC, COMPLETION_WAIT.
const char* wait_name(DescKind k);
// What the family of `k` calls the domain's tag in its commands: did (VT-d), asid (SMMUv3), domid (AMD).
const char* domain_tag_name(DescKind k);

}  // namespace svasim
