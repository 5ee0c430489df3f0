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
  // Memory as a device's reads see it: reached through a private link whose latency is the read
  // request's trip to memory plus the access, then the device's own route back. A read is then one
  // transfer, mem -> device, taking request trip + memory + route + bytes/bandwidth.
  std::vector<simgrid::s4u::Host*> device_memory;
};

// Must run after the Engine exists and the network model is configured, before any actor.
Platform build_platform(const Topology& topo, double memory_ns);

// Sum of link latencies and of size/bandwidth along a route: what a message of `bytes` takes on an
// otherwise idle path under the CM02 model. For closed-form tests and documentation.
double route_time_ns(const Topology& topo, NodeId from, NodeId to, double bytes);

}  // namespace svasim
