#include "core/footprint.hpp"

#include "core/histogram.hpp"
#include "core/scenario.hpp"

#include <algorithm>
#include <cstdio>

namespace svasim {

std::string Footprint::largest() const {
  if (routing_bytes >= stats_bytes && routing_bytes >= state_bytes)
    return "SimGrid's routing table, which grows with the square of the hosts (CPU cores, IOMMUs and two per device)";
  if (stats_bytes >= state_bytes) return "per-device latency histograms";
  return "page tables, bind events and caches";
}

namespace {

std::string bytes_text(double b) {
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  for (; i < 4 && b >= 1024; ++i) b /= 1024;
  char out[32];
  std::snprintf(out, sizeof out, i == 0 ? "%.0f %s" : "%.1f %s", b, unit[i]);
  return out;
}

std::string count_text(double n) {
  char out[32];
  if (n >= 1e9)
    std::snprintf(out, sizeof out, "%.1f G", n / 1e9);
  else if (n >= 1e6)
    std::snprintf(out, sizeof out, "%.1f M", n / 1e6);
  else
    std::snprintf(out, sizeof out, "%.0f", n);
  return out;
}

// Events of a stream between `start_ns` and the end of the run, or its `count` if that comes first.
double events(double start_ns, double duration_ns, double per_ns, std::int64_t count) {
  const double open = std::max(0.0, duration_ns - start_ns) * per_ns;
  return count >= 0 ? std::min(open, static_cast<double>(count)) : open;
}

}  // namespace

std::string Footprint::describe() const {
  return "about " + bytes_text(total()) + " of memory; up to " + count_text(dma_requests) + " DMA requests, " +
         count_text(unmaps) + " unmaps, " + count_text(binds) + " binds/unbinds";
}

std::string footprint_warning(const Footprint& f) {
  if (f.total() <= kWarnFootprintBytes && f.work() <= kWarnWork) return "";
  return "a large run: " + f.describe() + " (warned above " + bytes_text(kWarnFootprintBytes) + " or " +
         count_text(kWarnWork) + " operations; it may take minutes)";
}

Footprint estimate_footprint(const Scenario& s) {
  Footprint f;
  const double memory_ns = std::max(1.0, s.params.get("dma.memory_ns"));
  for (const DmaStream& d : s.dma) {
    const double per_ns = d.rate_per_ns > 0 ? d.rate_per_ns : d.queue_depth / memory_ns;
    f.dma_requests += static_cast<double>(d.devices.size()) * events(d.start_ns, s.duration_ns, per_ns, d.count);
  }
  for (const UnmapStream& u : s.unmaps)
    f.unmaps += u.arrival == UnmapStream::Arrival::times
                    ? static_cast<double>(u.at_ns.size())
                    : events(u.start_ns, s.duration_ns, u.interval_ns > 0 ? 1 / u.interval_ns : 0, u.count);
  for (const Process& p : s.processes) f.binds += static_cast<double>(p.binds.size());
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
