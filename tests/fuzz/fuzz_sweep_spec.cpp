// libFuzzer harness: any bytes as a sweep spec, expanded when it loads (the grid is bounded).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "sweep/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const svasim::SweepSpec spec = svasim::sweep_spec_from_json(svasim::parse_user_json(text), "spec.json");
    std::size_t points = 1;
    for (const auto& a : spec.axes) points *= a.size();
    if (points * static_cast<std::size_t>(spec.replications) <= 10000) svasim::expand(spec, 1);
  } catch (const svasim::InputError&) {
  }
  return 0;
}
