#pragma once
// The PCIe fabric and the memory behind the root complex as DMA sees them: each topology link is two
// FIFO servers (one per direction) sending TLP trains back to back, each root complex reaches one
// memory that serves bytes at its bandwidth after its latency, and each IOMMU walks pages with a fixed
// number of concurrent walks. Occupancy lives in BusyCalendars (models/hw/busy_calendar.hpp), so a
// packet costs arithmetic, not a SimGrid activity. docs/PCIE.md describes the model and its sources.
#include <cstdint>
#include <vector>

#include "models/hw/busy_calendar.hpp"
#include "models/hw/pcie_tlp.hpp"

namespace svasim {

class Topology;

enum class Direction { upstream = 0, downstream = 1 };  // towards the root complex / towards the device

struct LinkState {
  BusyCalendar wire[2];        // by Direction
  double bytes_per_ns = 1;
  double latency = 0;          // s: propagation and the ports' pipelines, per traversal
  int lanes = 8;
  std::uint64_t tlps[2] = {0, 0};
  double wire_bytes[2] = {0, 0};
};

// A device's path to its IOMMU's root complex, device side first.
struct PcieRoute {
  std::vector<LinkState*> hops;
};

struct MemoryState {
  BusyCalendar channels;       // all channels as one server of their summed bandwidth
  double latency = 0;          // s: an access on an idle memory
  double bytes_per_s = 1;
  std::uint64_t accesses = 0;
  double bytes = 0;
  // An access of `bytes` arriving at `arrival` (>= now): when its data is there (a read) or written.
  double access(double now, double arrival, double bytes);
  // Same, returning only the time spent waiting for the channels (for walk reads, whose idle cost is
  // a parameter of their own).
  double queueing(double now, double arrival, double bytes);

private:
  // When the channels have moved the bytes (the access's own latency not included).
  double served(double now, double arrival, double bytes);
};

class PcieFabric {
public:
  PcieFabric(const Topology& topo, const TlpCosts& tlp);
  const PcieRoute& route(int device) const { return routes_[static_cast<std::size_t>(device)]; }
  // Sends the TLP train `p` from one end of the device's route to the other, starting at `arrival`
  // (>= now), cut through from hop to hop: returns when its last byte arrives. The DLLPs the receiver of
  // each hop sends back (ACKs, UpdateFCs) take that hop's other direction from when the train arrived.
  double send(int device, Direction d, double now, double arrival, const Packets& p, bool consumes_credits);
  const TlpCosts& tlp() const { return tlp_; }
  const std::vector<LinkState>& links() const { return links_; }

private:
  TlpCosts tlp_;
  std::vector<LinkState> links_;
  std::vector<PcieRoute> routes_;
};

}  // namespace svasim
