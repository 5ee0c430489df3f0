// libFuzzer harness: --set PATH=VALUE pairs (one per line) applied to the seed scenario, then loaded.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/scenario.hpp"

namespace {
const std::string& seed_text() {
  static const std::string text = [] {
    std::ifstream in(SVASIM_SOURCE_DIR "/scenarios/seed-4dev-1iommu.json");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  return text;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  svasim::Overrides o;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(lines, line) && o.set.size() < 8;) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;  // the CLI refuses these before loading
    o.set.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  try {
    svasim::scenario_from_json(svasim::parse_user_json(seed_text()), "<fuzz>", o);
  } catch (const svasim::InputError&) {
  }
  return 0;
}
