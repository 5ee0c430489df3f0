#pragma once
// The system as a typed graph (Boost.Graph): CPU package, IOMMUs, PCIe switches / root ports and
// devices, joined by links with latency and bandwidth. Built from a scenario's "topology" object,
// either explicit (nodes + links) or generated (iommus x devices_per_iommu from a device template).
#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace svasim {

enum class NodeKind { cpu, iommu, root_port, pcie_switch, device };
const char* to_string(NodeKind k);

struct DeviceCaps {
  bool ats = true;
  bool pri = false;
  bool pasid = true;
  bool extra_devtlb_quirk = false; // Intel QAT 0x4940-0x4943 needs one more devTLB flush per chunk
  int streams = 1;                 // SMMUv3 stream IDs
  double ats_inv_ns = -1;          // < 0: the device.ats_inv_ns parameter
  // Faults of the simulated hardware (times in ns; < 0: never). A stuck device drops ATS Invalidate
  // Requests arriving in [stuck_from, stuck_until); a removed device drops everything from then on and
  // is no longer present on the bus.
  double stuck_from_ns = -1, stuck_until_ns = -1;
  double removed_at_ns = -1;
  bool answers_at(double t_ns) const {
    if (removed_at_ns >= 0 && t_ns >= removed_at_ns) return false;
    return !(stuck_from_ns >= 0 && t_ns >= stuck_from_ns && (stuck_until_ns < 0 || t_ns < stuck_until_ns));
  }
  bool present_at(double t_ns) const { return removed_at_ns < 0 || t_ns < removed_at_ns; }
};

struct Node {
  std::string name;
  NodeKind kind = NodeKind::device;
  int cores = 0;   // cpu only
  DeviceCaps caps; // device only
  // iommu only: a fault of the simulated hardware. The first submission the IOMMU fetches at or after
  // this time (ns; < 0: never) starts with an invalid descriptor (VT-d IQE).
  double bad_descriptor_at_ns = -1;
  int index = -1;  // index among nodes of the same kind (device 0.., iommu 0.., cpu 0..)
};

struct Link {
  double latency_ns = 0;
  double bandwidth_gbps = 0; // GB/s (bytes), as PCIe is usually quoted
  // PCIe generation and width when the link was given as such (bandwidth_gbps then follows from them);
  // 0 when only its bandwidth was given.
  int gen = 0, lanes = 0;
};

// Bytes per ns a PCIe link carries after line encoding: GT/s x lanes x (128/130 from Gen3, 8/10
// before) / 8 (PCIe Base spec §4.2; gen 1..6).
double pcie_link_bytes_per_ns(int gen, int lanes);

using TopologyGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, Node, Link>;
using NodeId = TopologyGraph::vertex_descriptor;

class Topology {
public:
  // Builds and validates; throws InputError with a JSON Pointer under `json_path` that names the
  // offending node or link: unknown kind, duplicate or dangling names, a device or root port / switch
  // reaching more than one IOMMU (checked first: such a node also closes a cycle through the CPU), a
  // cycle (at the first link, in document order, that closes one), a device reaching no IOMMU, an
  // IOMMU the CPU cannot reach, no CPU or more than one.
  // `default_link`: a link that gives neither latency_ns nor its bandwidth (nor a "defaults" member).
  static Topology from_json(const nlohmann::json& topo, const std::string& json_path,
                            const Link& default_link = Link{150, 15.753846153846155, 4, 8});

  const TopologyGraph& graph() const { return g_; }
  const Node& node(NodeId v) const { return g_[v]; }
  NodeId cpu() const { return cpu_; }
  const std::vector<NodeId>& iommus() const { return iommus_; }   // by IOMMU index
  const std::vector<NodeId>& devices() const { return devices_; } // by device index
  NodeId find(const std::string& name) const;                     // throws std::out_of_range
  bool has(const std::string& name) const;
  int iommu_of_device(int device) const { return device_iommu_[device]; }
  // Links on the path, in order from -> to (the graph is a tree, so the path is unique).
  std::vector<std::pair<NodeId, NodeId>> path(NodeId from, NodeId to) const;
  const Link& link(NodeId a, NodeId b) const;
  // The effective topology in explicit form (generators expanded), for results and hashing.
  nlohmann::json to_json() const;

private:
  TopologyGraph g_;
  NodeId cpu_ = 0;
  std::vector<NodeId> iommus_;
  std::vector<NodeId> devices_;
  std::vector<int> device_iommu_;
  std::map<std::string, NodeId, std::less<>> by_name_;
  std::vector<NodeId> parent_;      // towards the CPU (the CPU is its own parent)
  std::vector<std::size_t> depth_;  // links from the CPU
};

}  // namespace svasim
