#pragma once
// What a scenario will cost before it runs: an estimate of the memory the simulation needs, so that a
// schema-valid but enormous scenario (64 x 1024 devices) is refused with a message instead of growing
// past the machine's memory.
#include <cstdint>
#include <string>

namespace svasim {

struct Scenario;

struct Footprint {
  double routing_bytes = 0;  // SimGrid's full-zone routing table: one entry per pair of hosts
  double stats_bytes = 0;    // fixed-size latency histograms, four per device
  double state_bytes = 0;    // page tables, bind events, arrival lists, caches, ITags
  double total() const { return routing_bytes + stats_bytes + state_bytes; }
  std::string largest() const;  // which part dominates, for the message

  // The work, as upper bounds: a closed-loop stream is counted as if each request took only the
  // memory access (dma.memory_ns), never longer, so a real run does at most this much.
  double dma_requests = 0;
  double unmaps = 0;
  double binds = 0;  // bind and unbind events
  double work() const { return dma_requests + unmaps + binds; }

  // "about 12.0 MiB of memory; up to 3.2 M DMA requests, 1000 unmaps, 8 binds/unbinds"
  std::string describe() const;
};

// Refused above this (documented in the README): a quarter of what svasim's own CI machine has would
// already leave little room for -j 2 sweeps.
inline constexpr double kMaxFootprintBytes = 8.0 * (1ULL << 30);
// Warned about (run goes on) above these: a run that needs minutes of CPU or a good part of a laptop's
// memory should say so before it starts. About 1e8 simulated operations take several minutes
// (`svasim bench` measures the rate on a machine).
inline constexpr double kWarnFootprintBytes = 1.0 * (1ULL << 30);
inline constexpr double kWarnWork = 1e8;

// The warning for a scenario above the warning limits; empty when there is nothing to say.
std::string footprint_warning(const Footprint& f);

Footprint estimate_footprint(const Scenario& s);

}  // namespace svasim
