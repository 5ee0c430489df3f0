#pragma once
// What a bind of a topology device attaches: the device with the capabilities the drivers look at (ATS,
// PRI, SMMUv3 stream IDs, the QAT quirk) and the IOMMU it sits behind. Shared by the engine's binds and
// `svasim plan`.
#include "core/topology.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

Attachment attachment_of(const Topology& topo, int device);

}  // namespace svasim
