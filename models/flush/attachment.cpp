#include "models/flush/attachment.hpp"

namespace svasim {

Attachment attachment_of(const Topology& topo, int device) {
  const DeviceCaps& c = topo.node(topo.devices()[device]).caps;
  Attachment a{device, topo.iommu_of_device(device), c.ats, c.extra_devtlb_quirk, c.streams};
  a.pri = c.pri;
  return a;
}

}  // namespace svasim
