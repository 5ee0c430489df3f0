#pragma once
// Where a device's next DMA request goes within its working set. Patterns are swappable by name.
// Pure: they draw from the caller's seeded stream and never allocate per request.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/random.hpp"

namespace svasim {

class AccessPattern {
public:
  virtual ~AccessPattern() = default;
  // Byte offset of the next request within [0, working_set_bytes), a multiple of request_bytes.
  virtual std::uint64_t next(RandomStream& rng) = 0;
};

struct PatternSpec {
  std::string kind;                   // "sequential", "uniform", "zipf", "window"
  std::uint64_t working_set_bytes = 0;
  std::uint64_t request_bytes = 64;   // power of two not required; offsets are multiples of it
  double zipf_s = 0.99;               // zipf exponent over request-sized slots (s > 0, s != 1 allowed)
  std::uint64_t window_bytes = 0;     // window: uniform within a window of this size ...
  std::uint64_t window_step_bytes = 0;// ... that slides forward by this much every window_step_requests
  std::uint64_t window_step_requests = 1;
};

// Throws std::invalid_argument for an unknown kind or inconsistent sizes (the scenario loader checks
// first and reports JSON paths; this is the last line of defence).
std::unique_ptr<AccessPattern> make_access_pattern(const PatternSpec& spec);

}  // namespace svasim
