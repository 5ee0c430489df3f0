#include "core/editor_schema.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "svasim/schema_text.hpp"

namespace svasim {

using nlohmann::ordered_json;

namespace {

// The node a local "$ref" ("#/$defs/x") points at; other nodes are themselves.
ordered_json& resolved(ordered_json& root, ordered_json& node) {
  ordered_json* n = &node;
  for (int hops = 0; n->is_object() && n->contains("$ref"); ++hops) {
    const std::string ref = (*n)["$ref"].get<std::string>();
    if (hops > 8 || ref.rfind("#", 0) != 0) throw std::logic_error("schema: cannot follow $ref " + ref);
    n = &root.at(ordered_json::json_pointer(ref.substr(1)));
  }
  return *n;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (std::size_t at; (at = s.find(sep, from)) != std::string::npos; from = at + 1) parts.push_back(s.substr(from, at - from));
  parts.push_back(s.substr(from));
  return parts;
}

// The schema of the value an axis' scenario key names: "models.flush" is properties/models/properties/flush,
// "workload.dma[].pattern.kind" goes through the items of the dma array. A key the schema lacks is a bug in
// the axis declaration or the schema (std::logic_error; the tests build the schema).
ordered_json& node_at(ordered_json& root, const std::string& scenario_key) {
  ordered_json* n = &root;
  for (std::string token : split(scenario_key, '.')) {
    const bool array = token.size() > 2 && token.ends_with("[]");
    if (array) token.resize(token.size() - 2);
    ordered_json& obj = resolved(root, *n);
    if (!obj.contains("properties") || !obj["properties"].contains(token))
      throw std::logic_error("schema: no \"" + token + "\" on the way to " + scenario_key);
    n = &obj["properties"][token];
    if (array) {
      ordered_json& arr = resolved(root, *n);
      if (!arr.contains("items")) throw std::logic_error("schema: " + token + " in " + scenario_key + " is not an array");
      n = &arr["items"];
    }
  }
  return resolved(root, *n);
}

// A number as it is written: whole numbers (within the 64-bit integers) without a fraction.
ordered_json number(double v) {
  if (v >= -9e18 && v <= 9e18 && v == static_cast<double>(static_cast<long long>(v))) return static_cast<long long>(v);
  return v;
}

ordered_json param_schema(const ParamDecl& p) {
  ordered_json s = ordered_json::object();
  if (p.unit == "bool")
    s["type"] = ordered_json::array({"boolean", "integer"});
  else
    s["type"] = p.integer ? "integer" : "number";
  s["minimum"] = number(p.min);
  s["maximum"] = number(p.max);
  s["default"] = p.unit == "bool" ? ordered_json(p.default_value != 0.0) : number(p.default_value);
  const bool stop = !p.description.empty() && p.description.back() == '.';
  s["description"] = p.description + (stop ? "" : ".") + (p.unit.empty() || p.unit == "bool" ? "" : " Unit: " + p.unit + ".") +
                     (p.source.empty() ? "" : " Source: " + p.source + ".");
  return s;
}

// "params": {"group": {"name": value}} with a property per declared parameter, and the flat
// {"group.name": value} beside it; nothing else allowed.
void add_params(ordered_json& params) {
  params["additionalProperties"] = false;
  params["properties"] = ordered_json::object();
  for (const ParamDecl& p : all_params()) {
    const std::vector<std::string> parts = split(p.name, '.');
    ordered_json* group = &params;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      ordered_json& props = (*group)["properties"];
      if (!props.contains(parts[i]))
        props[parts[i]] = {{"type", "object"}, {"additionalProperties", false}, {"properties", ordered_json::object()}};
      group = &props[parts[i]];
      if (!group->contains("properties")) throw std::logic_error("schema: parameter group " + parts[i] + " is also a parameter");
    }
    if ((*group)["properties"].contains(parts.back())) throw std::logic_error("schema: parameter " + p.name + " twice");
    (*group)["properties"][parts.back()] = param_schema(p);
  }
  // The flat form the loader takes too, and results files write: {"vtd.qi_batch_size": 8}.
  for (const ParamDecl& p : all_params()) {
    if (p.name.find('.') == std::string::npos) continue;
    ordered_json flat = param_schema(p);
    flat["description"] = "The same as the nested form: " + flat["description"].get<std::string>();
    params["properties"][p.name] = std::move(flat);
  }
}

// Every path of a scenario value an axis may set, dotted, arrays at index 0: "workload.unmaps.0.threads".
void collect_paths(ordered_json& root, ordered_json& node, const std::string& prefix, int depth,
                   std::vector<std::string>& out, std::set<std::string>& seen) {
  if (depth > 10) return;
  ordered_json& n = resolved(root, node);
  if (!n.is_object()) return;
  const auto record = [&](const std::string& p) {
    if (!p.empty() && seen.insert(p).second) out.push_back(p);
  };
  if (n.contains("properties")) {
    for (auto& [key, child] : n["properties"].items()) {
      if (key == "$schema" || key == "params") continue;  // params: from the declarations, below
      collect_paths(root, child, prefix.empty() ? key : prefix + "." + key, depth + 1, out, seen);
    }
  }
  if (n.contains("items")) collect_paths(root, n["items"], prefix + ".0", depth + 1, out, seen);
  for (const char* combinator : {"oneOf", "anyOf", "allOf"})
    if (n.contains(combinator))
      for (auto& branch : n[combinator]) collect_paths(root, branch, prefix, depth + 1, out, seen);
  if (!n.contains("properties") && !n.contains("items") && !n.contains("oneOf")) record(prefix);
}

// The hand-written schema core/schema/NAME.json with a "$comment" right after its "$id", so whoever opens
// the shipped file sees it is generated and from what.
ordered_json generated_from(const char* text, const std::string& name, const std::string& also_from) {
  const ordered_json schema = ordered_json::parse(text);  // named: a temporary would die before the loop
  ordered_json out = ordered_json::object();
  for (const auto& [key, value] : schema.items()) {
    out[key] = value;
    if (key == "$id")
      out["$comment"] = "Generated by `svasim list --schema " + name + "` from core/schema/" + name + ".json and " +
                        also_from + "; do not edit by hand.";
  }
  return out;
}

}  // namespace

ordered_json scenario_editor_schema() {
  ordered_json out = generated_from(kScenarioSchemaText, "scenario", "the model and parameter registrations");
  const Catalog& cat = Catalog::instance();
  for (const AxisInfo& axis : cat.axes()) {
    ordered_json& node = node_at(out, axis.scenario_key);
    ordered_json names = ordered_json::array(), descriptions = ordered_json::array();
    for (const ModelEntry* e : cat.list(axis.key)) {
      names.push_back(e->name);
      descriptions.push_back(e->info.description);
    }
    node["enum"] = names;
    node["enumDescriptions"] = descriptions;  // VS Code shows them beside the completions
    // The axis' default is what a scenario naming nothing gets only outside "models": there the profile,
    // or for models.arch the flush model, decides.
    if (const ModelEntry* d = cat.default_of(axis.key); d && std::string(axis.scenario_key).rfind("models.", 0) != 0)
      node["default"] = d->name;
  }
  add_params(out["properties"]["params"]);
  return out;
}

ordered_json sweep_editor_schema() {
  ordered_json out = generated_from(kSweepSchemaText, "sweep", "the scenario schema and the parameter declarations");
  ordered_json scenario = ordered_json::parse(kScenarioSchemaText);
  std::vector<std::string> paths;
  std::set<std::string> seen;
  seen.insert("seed");  // a sweep derives every point's seed (sweep/sweep_spec.cpp refuses a seed axis)
  collect_paths(scenario, scenario, "", 0, paths, seen);
  for (const ParamDecl& p : all_params()) paths.push_back("params." + p.name);
  out["$defs"]["axis"]["properties"]["path"]["examples"] = paths;
  return out;
}

std::string schema_file_text(const ordered_json& schema) { return schema.dump(2) + "\n"; }

}  // namespace svasim
