#include "engine/platform.hpp"

#include <string>

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {
// GB/s (bytes) to SimGrid's bytes per second; ns to seconds.
double bytes_per_s(double gbps) { return gbps * 1e9; }
double seconds(double ns) { return ns * 1e-9; }
}  // namespace

Platform build_platform(const Topology& topo) {
  const auto& g = topo.graph();
  auto* zone = sg4::create_full_zone("svasim");
  Platform p;

  // Hosts only carry actors; their speed is irrelevant because CPU costs are modelled as sleeps.
  const Node& cpu = topo.node(topo.cpu());
  for (int c = 0; c < cpu.cores; ++c) p.cores.push_back(zone->create_host(cpu.name + "-core" + std::to_string(c), 1e9));
  for (NodeId v : topo.iommus()) p.iommus.push_back(zone->create_host(topo.node(v).name, 1e9));
  for (NodeId v : topo.devices()) p.devices.push_back(zone->create_host(topo.node(v).name, 1e9));

  std::map<std::pair<NodeId, NodeId>, sg4::Link*> links;
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    NodeId a = boost::source(*e, g), b = boost::target(*e, g);
    const Link& l = g[*e];
    auto* link = zone->create_link(g[a].name + "--" + g[b].name, bytes_per_s(l.bandwidth_gbps));
    link->set_latency(seconds(l.latency_ns));
    links[{std::min(a, b), std::max(a, b)}] = link;
  }
  auto route = [&](sg4::Host* from, sg4::Host* to, NodeId a, NodeId b) {
    std::vector<sg4::LinkInRoute> hops;
    for (auto [x, y] : topo.path(a, b)) hops.emplace_back(links.at({std::min(x, y), std::max(x, y)}));
    zone->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr, hops, true);
  };
  for (auto* core : p.cores)
    for (std::size_t i = 0; i < topo.iommus().size(); ++i) route(core, p.iommus[i], topo.cpu(), topo.iommus()[i]);
  for (std::size_t d = 0; d < topo.devices().size(); ++d) {
    const int i = topo.iommu_of_device(static_cast<int>(d));
    route(p.devices[d], p.iommus[i], topo.devices()[d], topo.iommus()[i]);
  }
  zone->seal();
  return p;
}

double route_time_ns(const Topology& topo, NodeId from, NodeId to, double bytes) {
  double t = 0;
  double min_bw = 1e300;
  for (auto [x, y] : topo.path(from, to)) {
    const Link& l = topo.link(x, y);
    t += l.latency_ns;
    min_bw = std::min(min_bw, l.bandwidth_gbps);
  }
  // CM02 without cross-traffic: latency plus size over the bottleneck bandwidth.
  return t + (bytes > 0 ? bytes / min_bw : 0.0);
}

}  // namespace svasim
