// libFuzzer harness: any bytes as a results file (what compare, report, merge and --resume read). A file
// that reads must write back to what it read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "core/run_results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  try {
    const svasim::RunResults r = svasim::RunResults::from_json(j, "results.json");
    const nlohmann::json again = r.to_json();
    if (svasim::RunResults::from_json(again, "again").to_json() != again) std::abort();  // round trip broken
  } catch (const svasim::InputError&) {
  }
  return 0;
}
