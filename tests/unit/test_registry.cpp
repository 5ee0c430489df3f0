// Every registered model is complete, consistent and documented: descriptions, declared parameters,
// companions that resolve, profiles with a model on each axis, and a contributor guide that names every
// axis and a file to copy for it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/params.hpp"
#include "core/registry.hpp"

using namespace svasim;

namespace {
std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("registry: natural order puts linux-6.9 before linux-6.10", "[registry]") {
  CHECK(natural_less("linux-6.9-vtd", "linux-6.10-vtd"));
  CHECK_FALSE(natural_less("linux-6.10-vtd", "linux-6.9-vtd"));
  CHECK(natural_less("a", "b"));
  CHECK(natural_less("vtd", "vtd-qi"));
  CHECK_FALSE(natural_less("x1", "x1"));
}

TEST_CASE("registry: every axis has models, every model a description, declared parameters and resolvable companions",
          "[registry]") {
  const Catalog& cat = Catalog::instance();
  const auto axes = cat.axes();
  std::set<std::string> keys;
  for (const AxisInfo& a : axes) keys.insert(a.key);
  CHECK(keys == std::set<std::string>{"profile", "domain", "flush", "queue", "environment", "pattern", "arch", "platform"});
  for (const AxisInfo& a : axes) {
    INFO("axis " << a.key);
    CHECK(!cat.list(a.key).empty());
    int defaults = 0;
    for (const ModelEntry* e : cat.list(a.key)) {
      INFO("model " << e->name << " from " << e->file);
      CHECK(!e->info.description.empty());
      CHECK(std::filesystem::exists(std::filesystem::path(SVASIM_SOURCE_DIR) / e->file));
      for (const auto& p : e->info.params) CHECK(find_param(p) != nullptr);
      for (const auto& [axis, name] : e->info.companions) CHECK(cat.find(axis, name) != nullptr);
      for (const auto& [name, value] : e->info.overrides) CHECK(find_param(name) != nullptr);
      defaults += e->info.is_default ? 1 : 0;
    }
    CHECK(defaults <= 1);
  }
  // A profile is a kernel version on every kernel axis, and its queue is the one its planner needs.
  for (const ModelEntry* p : cat.list("profile")) {
    for (const char* axis : {"domain", "flush", "queue"}) {
      INFO(p->name << " " << axis);
      REQUIRE(p->info.companions.count(axis) == 1);
    }
    const ModelEntry* flush = cat.find("flush", p->info.companions.at("flush"));
    REQUIRE(flush);
    CHECK(p->info.companions.at("queue") == flush->info.companions.at("queue"));
  }
  CHECK(cat.default_of("environment") != nullptr);
  CHECK(cat.default_of("pattern") != nullptr);
}

TEST_CASE("registry: every parameter names its unit, range, default inside it, and source", "[registry][params]") {
  REQUIRE(all_params().size() >= 40);
  for (std::size_t i = 0; i < all_params().size(); ++i) {
    const ParamDecl& p = all_params()[i];
    INFO(p.name << " from " << p.file);
    CHECK(!p.unit.empty());
    CHECK(!p.description.empty());
    CHECK(!p.source.empty());
    CHECK(p.min <= p.default_value);
    CHECK(p.default_value <= p.max);
    CHECK(std::filesystem::exists(std::filesystem::path(SVASIM_SOURCE_DIR) / p.file));
    if (i > 0) CHECK(natural_less(all_params()[i - 1].name, p.name));
  }
}

TEST_CASE("registry: the contributor guide names every axis, its interface and a file to copy that exists", "[registry][docs]") {
  const std::string guide = read(std::string(SVASIM_SOURCE_DIR) + "/docs/ARCHITECTURE.md");
  const auto start = guide.find("## Adding a model");
  REQUIRE(start != std::string::npos);
  const std::string section = guide.substr(start);
  const Catalog& cat = Catalog::instance();
  REQUIRE(cat.axes().size() == 8);
  for (const AxisInfo& a : cat.axes()) {
    INFO("axis " << a.key);
    REQUIRE(!cat.list(a.key).empty());
    CHECK(section.find(std::string("`") + a.scenario_key + "`") != std::string::npos);
    // The guide says which registered file to copy: one of this axis' own model files.
    bool names_a_model_file = false;
    for (const ModelEntry* e : cat.list(a.key)) names_a_model_file |= section.find("`" + e->file + "`") != std::string::npos;
    CHECK(names_a_model_file);
  }
}

// Issue 13: a platform preset is a real machine, so each value it sets says where it comes from (or that
// nothing is published and it was chosen); and it sets only declared parameters, within their ranges.
TEST_CASE("registry: every platform preset value is a declared parameter in range with a source", "[registry][platform]") {
  const Catalog& cat = Catalog::instance();
  const auto presets = cat.list("platform");
  CHECK(presets.size() >= 4);
  int intel = 0, amd = 0, arm = 0;
  for (const ModelEntry* e : presets) {
    INFO("preset " << e->name);
    intel += e->name.rfind("intel-", 0) == 0;
    amd += e->name.rfind("amd-", 0) == 0;
    arm += e->name.rfind("arm-", 0) == 0;
    CHECK(!e->info.overrides.empty());
    for (const auto& [name, value] : e->info.overrides) {
      INFO("parameter " << name);
      const ParamDecl* d = find_param(name);
      REQUIRE(d != nullptr);
      CHECK(value >= d->min);
      CHECK(value <= d->max);
      auto src = e->info.sources.find(name);
      REQUIRE(src != e->info.sources.end());
      CHECK(src->second.size() > 8);
    }
    CHECK(e->info.sources.size() == e->info.overrides.size());
  }
  CHECK(intel >= 2);
  CHECK(amd >= 1);
  CHECK(arm >= 1);
}
