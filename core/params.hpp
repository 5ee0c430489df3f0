#pragma once
// Parameters declare themselves once, in the file of the model that reads them:
//
//   SVASIM_PARAM({.name = "vtd.qi_batch_size", .unit = "descriptors", .default_value = 16, .min = 1,
//                 .max = 254, .integer = true, .description = "...", .source = "QI_MAX_BATCHED_DESC_COUNT"});
//
// Validation, defaults, --set overrides, `svasim list`, docs/PARAMETERS.md and the results' params block
// all come from the declarations.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace svasim {

struct ParamDecl {
  std::string name;        // dotted, grouped by concern: "vtd.qi_batch_size", "device.ats_inv_ns"
  std::string unit;        // "ns", "descriptors", "bool", "pages", ...
  double default_value = 0;
  double min = 0;
  double max = 1e18;
  bool integer = false;
  std::string description; // one line; says "assumption" where no source pins the value down
  std::string source;      // paper / specification / kernel constant the default comes from
  std::string file = {};   // the source file that declared it (set by SVASIM_PARAM)
};

// Adds a declaration (during static initialisation); a name declared twice aborts at start-up.
struct ParamRegistrar {
  ParamRegistrar(ParamDecl d, const char* file);
};
#define SVASIM_PARAM_CONCAT_(a, b) a##b
#define SVASIM_PARAM_CONCAT(a, b) SVASIM_PARAM_CONCAT_(a, b)
#define SVASIM_PARAM(...) \
  static const ::svasim::ParamRegistrar SVASIM_PARAM_CONCAT(svasim_param_, __LINE__)(::svasim::ParamDecl __VA_ARGS__, __FILE__)

// Every parameter svasim knows, in natural name order (groups together: amd.*, cpu.*, device.*, ...).
const std::vector<ParamDecl>& all_params();
const ParamDecl* find_param(const std::string& name);

// Effective parameter values of one run: defaults, then profile overrides, then the scenario's "params".
class Params {
public:
  Params();  // all defaults
  double get(const std::string& name) const;  // throws std::logic_error for an undeclared name (a bug)
  std::int64_t get_int(const std::string& name) const { return static_cast<std::int64_t>(get(name)); }
  bool get_bool(const std::string& name) const { return get(name) != 0.0; }
  // Validates against the declaration; throws InputError(json_path, ...) naming the expected range.
  void set(const std::string& name, double value, const std::string& json_path);
  // Applies a nested object {"vtd": {"qi_batch_size": 16}} found at json_path.
  void apply(const nlohmann::json& nested, const std::string& json_path);
  const std::map<std::string, double>& values() const { return values_; }

private:
  void apply_group(const nlohmann::json& obj, const std::string& prefix, const std::string& path);
  std::map<std::string, double> values_;
};

}  // namespace svasim
