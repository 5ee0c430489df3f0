#pragma once
// The SimGrid platform generated from the topology graph: one host per CPU core, per IOMMU and per
// device; one link per topology edge; routes along the tree paths CPU core <-> IOMMU and
// device <-> its IOMMU. Switches and root ports have no host: they are the links they join.
#include <simgrid/s4u.hpp>
#include <vector>

#include "core/topology.hpp"

namespace svasim {

struct Platform {
  std::vector<simgrid::s4u::Host*> cores;   // by core index
  std::vector<simgrid::s4u::Host*> iommus;  // by IOMMU index
  std::vector<simgrid::s4u::Host*> devices; // by device index
};

// Must run after the Engine exists and the network model is configured, before any actor.
// DMA does not use these links: it is carried TLP by TLP over engine/pcie_fabric.hpp. The messages of
// the invalidation path (ATS invalidations, page requests, descriptors) do.
Platform build_platform(const Topology& topo);

// Sum of link latencies and of size/bandwidth along a route: what a message of `bytes` takes on an
// otherwise idle path under the CM02 model. For closed-form tests and documentation.
double route_time_ns(const Topology& topo, NodeId from, NodeId to, double bytes);

}  // namespace svasim
