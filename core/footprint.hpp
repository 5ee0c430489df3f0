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
};

// Refused above this (documented in the README): a quarter of what svasim's own CI machine has would
// already leave little room for -j 2 sweeps.
inline constexpr double kMaxFootprintBytes = 8.0 * (1ULL << 30);

Footprint estimate_footprint(const Scenario& s);

}  // namespace svasim
