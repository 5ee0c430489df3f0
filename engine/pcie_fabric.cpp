#include "engine/pcie_fabric.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/topology.hpp"

namespace svasim {

double MemoryState::served(double now, double arrival, double n) {
  ++accesses;
  bytes += n;
  return channels.fill(now, arrival, n / bytes_per_s).end;
}

double MemoryState::access(double now, double arrival, double n) { return served(now, arrival, n) + latency; }

double MemoryState::queueing(double now, double arrival, double n) { return served(now, arrival, n) - arrival; }

PcieFabric::PcieFabric(const Topology& topo, const TlpCosts& tlp) : tlp_(tlp) {
  const auto& g = topo.graph();
  std::map<std::pair<NodeId, NodeId>, std::size_t> index;
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const NodeId a = boost::source(*e, g), b = boost::target(*e, g);
    const Link& l = g[*e];
    LinkState s;
    s.bytes_per_ns = l.bandwidth_gbps;  // GB/s = bytes per ns
    s.latency = l.latency_ns * 1e-9;
    // A link given only by its bandwidth counts as Gen3 lanes (0.985 GB/s each) for its DLLP rate.
    s.lanes = l.lanes > 0 ? l.lanes : std::max(1, static_cast<int>(std::lround(l.bandwidth_gbps / pcie_link_bytes_per_ns(3, 1))));
    index[{std::min(a, b), std::max(a, b)}] = links_.size();
    links_.push_back(s);
  }
  for (std::size_t d = 0; d < topo.devices().size(); ++d) {
    PcieRoute r;
    const NodeId dev = topo.devices()[d], iommu = topo.iommus()[static_cast<std::size_t>(topo.iommu_of_device(static_cast<int>(d)))];
    for (auto [x, y] : topo.path(dev, iommu)) r.hops.push_back(&links_[index.at({std::min(x, y), std::max(x, y)})]);
    routes_.push_back(std::move(r));
  }
}

double PcieFabric::send(int device, Direction d, double now, double arrival, const Packets& p, bool consumes_credits) {
  const auto& hops = routes_[static_cast<std::size_t>(device)].hops;
  const int dir = static_cast<int>(d), back = 1 - dir;  // the receiver's DLLPs travel back
  double head = arrival, tail = arrival;  // where the train's first and last bytes are
  const std::size_t n = hops.size();
  for (std::size_t k = 0; k < n; ++k) {
    LinkState& l = *hops[d == Direction::upstream ? k : n - 1 - k];
    const double duration = p.wire_bytes / l.bytes_per_ns * 1e-9;
    // Cut-through: the train's packets enter this hop as they arrive, taking the link's idle time
    // packet by packet around what it has already promised; the last cannot leave before it arrived.
    const BusyCalendar::Span span = l.wire[dir].fill(now, head, duration, duration / static_cast<double>(std::max<std::uint64_t>(p.tlps, 1)));
    head = span.first + l.latency;
    tail = std::max(span.end, tail) + l.latency;
    l.tlps[dir] += p.tlps;
    l.wire_bytes[dir] += p.wire_bytes;
    // The receiver's DLLPs: on a direction busy when they are due they take their share of it, right
    // after the run in progress (no sliver of idle time is cut); on an idle one they cost nothing.
    if (l.wire[back].busy_at(tail)) {
      const double dllp = dllp_bytes_returned(tlp_, p, l.lanes, consumes_credits);
      l.wire[back].fill(now, tail, dllp / l.bytes_per_ns * 1e-9);
      l.wire_bytes[back] += dllp;
    }
  }
  return tail;
}

}  // namespace svasim
