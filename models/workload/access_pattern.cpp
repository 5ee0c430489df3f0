// What every access pattern shares: the slot arithmetic, the error for inconsistent sizes, and building a
// pattern by name. The patterns register themselves in models/workload/pattern_*.cpp.
#include "models/workload/access_pattern.hpp"

#include <stdexcept>

namespace svasim {

void bad_pattern(const std::string& what) { throw std::invalid_argument("access pattern: " + what); }

// A working set that is not a multiple of the request size ends in a partial slot, which is never used:
// every request lies wholly inside the working set.
std::uint64_t pattern_slots(const PatternSpec& spec) {
  if (spec.request_bytes == 0) bad_pattern("request_bytes must be > 0");
  if (spec.working_set_bytes < spec.request_bytes)
    bad_pattern("working_set_bytes (" + std::to_string(spec.working_set_bytes) + ") must be >= request_bytes (" +
                std::to_string(spec.request_bytes) + ")");
  return spec.working_set_bytes / spec.request_bytes;
}

std::unique_ptr<AccessPattern> make_access_pattern(const PatternSpec& spec) {
  if (!AccessPattern::factory().has(spec.kind)) bad_pattern("unknown kind '" + spec.kind + "' (svasim list shows the patterns)");
  return AccessPattern::factory().make(spec.kind, spec);
}

}  // namespace svasim
