#pragma once
// Helpers the unit tests share: shipped scenarios as JSON documents, and a profile's parameter values.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/params.hpp"
#include "core/registry.hpp"

namespace svasim::test {

// scenarios/NAME parsed (e.g. "seed-4dev-1iommu.json", the quick start's scenario).
inline nlohmann::json shipped_doc(const std::string& name) {
  std::ifstream in(std::string(SVASIM_SOURCE_DIR) + "/scenarios/" + name);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}
inline nlohmann::json seed_doc() { return shipped_doc("seed-4dev-1iommu.json"); }

// The parameter values a profile fixes, over the declared defaults.
inline Params profile_params(const std::string& profile) {
  const ModelEntry* e = Catalog::instance().find("profile", profile);
  REQUIRE(e);
  Params p;
  for (const auto& [name, value] : e->info.overrides) p.set(name, value, "/profile");
  return p;
}

}  // namespace svasim::test
