// The editor schemas (core/editor_schema.hpp): scenarios/*.schema.json are exactly what `svasim list
// --schema` prints, they accept every shipped file, and they reject what the loader rejects.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include "core/editor_schema.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "core/registry.hpp"
#include "core/scenario.hpp"
#include "core/schema_check.hpp"
#include "sweep/sweep_spec.hpp"
#include "unit_helpers.hpp"

using namespace svasim;
using nlohmann::json;
using Catch::Matchers::Contains;

namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const json& scenario_schema() {
  static const json s = json::parse(scenario_editor_schema().dump());
  return s;
}
const json& sweep_schema() {
  static const json s = json::parse(sweep_editor_schema().dump());
  return s;
}

// The editor schema's complaint about doc, or "" when it accepts it.
std::string schema_error(const json& doc, const json& schema) {
  try {
    check_against_schema(doc, schema);
  } catch (const InputError& e) {
    return e.path() + ": " + e.what();
  }
  return "";
}

std::string loader_error(const json& doc) {
  try {
    scenario_from_json(doc, "test.json");
  } catch (const InputError& e) {
    return e.path() + ": " + e.what();
  }
  return "";
}

std::vector<std::filesystem::path> json_files(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SVASIM_SOURCE_DIR) + "/" + dir))
    if (e.path().extension() == ".json" && !e.path().filename().string().ends_with(".schema.json")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Every leaf under a "params" schema node, as dotted names.
void param_leaves(const json& node, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [key, child] : node.at("properties").items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (child.contains("properties"))
      param_leaves(child, name, out);
    else
      out.push_back(name);
  }
}

}  // namespace

TEST_CASE("editor schema: the shipped schema files are what svasim list --schema prints", "[schema][editor]") {
  INFO("regenerate: build/svasim list --schema scenario > scenarios/scenario.schema.json (and sweep)");
  CHECK(file_text(std::string(SVASIM_SOURCE_DIR) + "/scenarios/scenario.schema.json") == schema_file_text(scenario_editor_schema()));
  CHECK(file_text(std::string(SVASIM_SOURCE_DIR) + "/scenarios/sweep.schema.json") == schema_file_text(sweep_editor_schema()));
  CHECK(scenario_schema().at("$id").get<std::string>().rfind("urn:svasim:schema:scenario:", 0) == 0);
  CHECK(sweep_schema().at("$id").get<std::string>().rfind("urn:svasim:schema:sweep:", 0) == 0);
}

TEST_CASE("editor schema: every axis' scenario key lists exactly the registered names", "[schema][editor]") {
  const Catalog& cat = Catalog::instance();
  const json& s = scenario_schema();
  const auto names = [&](const char* axis) { return cat.name_list(axis); };
  CHECK(s.at("/properties/profile/enum"_json_pointer).get<std::vector<std::string>>() == names("profile"));
  CHECK(s.at("/properties/environment/enum"_json_pointer).get<std::vector<std::string>>() == names("environment"));
  CHECK(s.at("/properties/platform/enum"_json_pointer).get<std::vector<std::string>>() == names("platform"));
  for (const char* axis : {"domain", "flush", "queue", "arch"})
    CHECK(s.at(json::json_pointer(std::string("/properties/models/properties/") + axis + "/enum")).get<std::vector<std::string>>() ==
          names(axis));
  CHECK(s.at("/$defs/dma_stream/properties/pattern/properties/kind/enum"_json_pointer).get<std::vector<std::string>>() ==
        names("pattern"));
  CHECK(s.at("/$defs/dma_stream/properties/pattern/properties/kind/default"_json_pointer) == cat.default_of("pattern")->name);
  // Under "models" the profile (or for arch the flush model) decides: no default there.
  for (const char* axis : {"domain", "flush", "queue", "arch"})
    CHECK_FALSE(s.at(json::json_pointer(std::string("/properties/models/properties/") + axis)).contains("default"));
  CHECK(s.at("/properties/profile/enumDescriptions"_json_pointer).size() == names("profile").size());
  for (const std::string axis : {"profile", "environment", "platform", "domain", "flush", "queue", "arch", "pattern"})
    CHECK(!names(axis.c_str()).empty());
}

TEST_CASE("editor schema: params has one property per declared parameter, with its range and default", "[schema][editor]") {
  const json& params = scenario_schema().at("/properties/params"_json_pointer);
  CHECK(params.at("additionalProperties") == false);
  std::vector<std::string> leaves;
  param_leaves(params, "", leaves);
  std::vector<std::string> declared;
  for (const ParamDecl& p : all_params()) declared.push_back(p.name);  // nested, and flat (every name has a group)
  for (const ParamDecl& p : all_params()) declared.push_back(p.name);
  std::sort(leaves.begin(), leaves.end());
  std::sort(declared.begin(), declared.end());
  CHECK(leaves == declared);
  // Both forms the loader takes are accepted, and mean the same.
  json doc = test::seed_doc();
  doc["params"] = {{"vtd", {{"qi_batch_size", 8}}}, {"device.ats_inv_ns", 5000}};
  CHECK(schema_error(doc, scenario_schema()) == "");
  CHECK(loader_error(doc) == "");
  doc["params"] = {{"vtd.qi_batch_size", 0}};
  CHECK_THAT(schema_error(doc, scenario_schema()), Contains("/params/vtd.qi_batch_size:"));
  CHECK_THAT(loader_error(doc), Contains("/params/vtd.qi_batch_size"));
  for (const ParamDecl& p : all_params()) {
    std::string ptr = "/properties/params";
    for (std::size_t from = 0;;) {
      const std::size_t dot = p.name.find('.', from);
      ptr += "/properties/" + p.name.substr(from, dot - from);
      if (dot == std::string::npos) break;
      from = dot + 1;
    }
    const json& leaf = scenario_schema().at(json::json_pointer(ptr));
    INFO(p.name);
    CHECK(leaf.at("minimum").get<double>() == p.min);
    CHECK(leaf.at("maximum").get<double>() == p.max);
    const double def = leaf.at("default").is_boolean() ? (leaf.at("default").get<bool>() ? 1.0 : 0.0) : leaf.at("default").get<double>();
    CHECK(def == p.default_value);
    CHECK(schema_error(leaf.at("default"), leaf) == "");
    CHECK(leaf.at("description").get<std::string>().find(p.description) == 0);
  }
}

TEST_CASE("editor schema: every shipped scenario and sweep spec passes it", "[schema][editor]") {
  for (const auto& f : json_files("scenarios")) {
    INFO(f.string());
    std::ifstream in(f);
    CHECK(schema_error(json::parse(in), scenario_schema()) == "");
  }
  for (const auto& f : json_files("scenarios/sweeps")) {
    INFO(f.string());
    std::ifstream in(f);
    const json spec = json::parse(in);
    CHECK(schema_error(spec, sweep_schema()) == "");
    // Every path a shipped sweep sets is offered to the editor.
    const auto examples = sweep_schema().at("/$defs/axis/properties/path/examples"_json_pointer).get<std::vector<std::string>>();
    for (const auto& axis : spec.at("axes")) {
      for (const auto& a : axis.contains("zip") ? axis.at("zip") : json::array({axis})) {
        INFO(a.at("path").get<std::string>());
        CHECK(std::find(examples.begin(), examples.end(), a.at("path").get<std::string>()) != examples.end());
      }
    }
  }
}

TEST_CASE("editor schema: rejects the names and parameters the loader rejects, at the same path", "[schema][editor]") {
  struct Case {
    const char* what;
    const char* pointer;
    json value;
    const char* path;
  };
  const std::vector<Case> cases = {
      {"a profile misspelt", "/profile", "linux-6.9-vdt", "/profile"},
      {"an environment that does not exist", "/environment", "guest-emulated", "/environment"},
      {"a flush model misspelt", "/models/flush", "vtd-qi-bach", "/models/flush"},
      {"a parameter misspelt", "/params/vtd/qi_batch_sz", 8, "/params/vtd/qi_batch_sz"},
      {"a parameter below its range", "/params/vtd/qi_batch_size", 0, "/params/vtd/qi_batch_size"},
      {"a group that does not exist", "/params/vdt", json::object({{"qi_batch_size", 8}}), "/params/vdt"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    json doc = test::seed_doc();
    doc[json::json_pointer(c.pointer)] = c.value;
    const std::string by_schema = schema_error(doc, scenario_schema());
    const std::string by_loader = loader_error(doc);
    CHECK_THAT(by_schema, Contains(std::string(c.path) + ":"));
    CHECK_THAT(by_loader, Contains(c.path));
  }
  // And the names it suggests are the registered ones.
  json doc = test::seed_doc();
  doc["profile"] = "linux-6.9-vdt";
  CHECK_THAT(schema_error(doc, scenario_schema()), Contains("did you mean \"linux-6.9-vtd\""));
}

TEST_CASE("editor schema: the sweep schema rejects the specs the sweep loader rejects", "[schema][editor]") {
  const json good = json::parse(R"({"base": "b.json", "axes": [{"path": "profile", "values": ["linux-6.9-vtd"]}]})");
  CHECK(schema_error(good, sweep_schema()) == "");
  CHECK_NOTHROW(sweep_spec_from_json(good, "s.json"));
  const std::vector<std::pair<const char*, const char*>> bad = {
      {"values and range both", R"({"base": "b.json", "axes": [{"path": "duration_us", "values": [1], "range": [1, 2]}]})"},
      {"neither values nor range", R"({"base": "b.json", "axes": [{"path": "duration_us"}]})"},
      {"no axes", R"({"base": "b.json", "axes": []})"},
      {"a zip of one", R"({"base": "b.json", "axes": [{"zip": [{"path": "duration_us", "values": [1]}]}]})"},
      {"zero replications", R"({"base": "b.json", "axes": [{"path": "duration_us", "values": [1]}], "replications": 0})"},
      {"an unknown key", R"({"base": "b.json", "axes": [{"path": "duration_us", "values": [1]}], "replication": 2})"},
      {"no base", R"({"axes": [{"path": "duration_us", "values": [1]}]})"},
  };
  for (const auto& [what, text] : bad) {
    INFO(what);
    const json spec = json::parse(text);
    CHECK(schema_error(spec, sweep_schema()) != "");
    CHECK_THROWS_AS(sweep_spec_from_json(spec, "s.json"), InputError);
  }
  // "$schema" (an editor's pointer to the schema) is accepted by both.
  json with_schema = good;
  with_schema["$schema"] = "../sweep.schema.json";
  CHECK(schema_error(with_schema, sweep_schema()) == "");
  CHECK_NOTHROW(sweep_spec_from_json(with_schema, "s.json"));
}

TEST_CASE("editor schema: the workspace's VS Code settings map both schemas to files that exist", "[schema][editor]") {
  std::ifstream in(std::string(SVASIM_SOURCE_DIR) + "/.vscode/settings.json");
  REQUIRE(in);
  const json settings = json::parse(in);
  std::set<std::string> urls;
  for (const auto& m : settings.at("json.schemas")) {
    const std::string url = m.at("url").get<std::string>();
    INFO(url);
    CHECK(std::filesystem::exists(std::string(SVASIM_SOURCE_DIR) + "/" + url));
    CHECK(!m.at("fileMatch").empty());
    urls.insert(url);
  }
  CHECK(urls == std::set<std::string>{"./scenarios/scenario.schema.json", "./scenarios/sweep.schema.json"});
}
