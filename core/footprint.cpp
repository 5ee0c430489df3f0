#include "core/footprint.hpp"

#include "core/histogram.hpp"
#include "core/scenario.hpp"

namespace svasim {

std::string Footprint::largest() const {
  if (routing_bytes >= stats_bytes && routing_bytes >= state_bytes)
    return "SimGrid's routing table, which grows with the square of the hosts (CPU cores, IOMMUs and two per device)";
  if (stats_bytes >= state_bytes) return "per-device latency histograms";
  return "page tables, bind events and caches";
}

Footprint estimate_footprint(const Scenario& s) {
  Footprint f;
  const double devices = static_cast<double>(s.topology.devices().size());
  const double iommus = static_cast<double>(s.topology.iommus().size());
  const double cores = static_cast<double>(s.topology.node(s.topology.cpu()).cores);
  // engine/platform.cpp: a host per core, per IOMMU, per device and per device's memory path.
  const double hosts = cores + iommus + 2 * devices;
  f.routing_bytes = hosts * hosts * sizeof(void*);
  f.stats_bytes = devices * 4 * sizeof(Histogram);
  double state = 0;
  for (const Process& p : s.processes) {
    state += static_cast<double>(p.memory.pages >> (p.memory.page_shift - 12));  // one present byte per mapping
    state += static_cast<double>(p.binds.size()) * sizeof(BindEvent) + devices * sizeof(int);
  }
  for (const UnmapStream& u : s.unmaps) state += static_cast<double>(u.at_ns.size()) * sizeof(double);
  const double atc = s.params.get("device.atc_entries"), iotlb = s.params.get("iommu.iotlb_entries");
  state += devices * (atc * 48 + s.params.get("device.max_ats_inv_outstanding") * 96 + 4096);
  state += iommus * (iotlb * 48 + 4096);
  f.state_bytes = state;
  return f;
}

}  // namespace svasim
