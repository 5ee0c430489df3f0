#pragma once
// Where a device's next DMA request goes within its working set. Patterns are swappable by name.
// Pure: they draw from the caller's seeded stream and never allocate per request.
#include <cstdint>
#include <memory>
#include <string>

#include "core/random.hpp"
#include "core/registry.hpp"

namespace svasim {

struct PatternSpec;

class AccessPattern {
public:
  static constexpr AxisInfo kAxis{"pattern", "DMA access patterns", "workload.dma[].pattern.kind", 5};
  using FactoryType = Factory<AccessPattern, const PatternSpec&>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~AccessPattern() = default;
  // Byte offset of the next request within [0, working_set_bytes), a multiple of request_bytes.
  virtual std::uint64_t next(RandomStream& rng) = 0;
};

struct PatternSpec {
  std::string kind;                   // a registered pattern (svasim list)
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

// For the patterns' own files: request-sized slots in the working set (checks the sizes), and the error.
std::uint64_t pattern_slots(const PatternSpec& spec);
[[noreturn]] void bad_pattern(const std::string& what);

}  // namespace svasim
