// libFuzzer harness: any bytes as a scenario file. The contract: an InputError (exit 2 with a path) or a
// scenario; anything else (another exception, a crash, a sanitizer report, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    svasim::scenario_from_json(svasim::parse_user_json(text), "<fuzz>");
  } catch (const svasim::InputError&) {
  }
  return 0;
}
