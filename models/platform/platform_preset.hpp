#pragma once
// A platform preset is a real machine by name: the parameter values of its IOMMU caches and walker, its
// memory, and its PCIe links, each with the source it comes from ("platform": "intel-skylake-sp" in a
// scenario; the scenario's own "params" still win). Data only; each preset registers itself in its
// own file:
//
//   SVASIM_REGISTER_DATA(PlatformPreset, "intel-icelake-sp", {.description = "...",
//                        .overrides = {{"pcie.gen", 4}}, .sources = {{"pcie.gen", "Intel ARK ..."}}});
//
// Every value a preset sets must name its source, or say that nothing is published and why this value
// was chosen (tests/unit/test_registry.cpp checks both).
#include "core/registry.hpp"

namespace svasim {

struct PlatformPreset {
  static constexpr AxisInfo kAxis{"platform", "Platform presets", "platform", 7};
};

}  // namespace svasim
