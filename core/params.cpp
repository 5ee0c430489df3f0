#include "core/params.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/suggest.hpp"

namespace svasim {

namespace {

std::vector<ParamDecl>& declared() {
  static std::vector<ParamDecl> decls;
  return decls;
}

std::string describe_range(const ParamDecl& d) {
  std::ostringstream o;
  o << (d.integer ? "an integer" : "a number") << " in [" << d.min << ", " << d.max << "]";
  if (!d.unit.empty()) o << " (" << d.unit << ")";
  return o.str();
}

}  // namespace

ParamRegistrar::ParamRegistrar(ParamDecl d, const char* file) {
  d.file = file;
  auto& decls = declared();
  for (const ParamDecl& other : decls)
    if (other.name == d.name) {
      std::fprintf(stderr, "svasim: parameter %s declared twice (%s and %s)\n", d.name.c_str(), other.file.c_str(), file);
      std::abort();
    }
  // Kept sorted as declarations arrive, so the order never depends on the order of static initialisation.
  auto at = std::upper_bound(decls.begin(), decls.end(), d,
                             [](const ParamDecl& a, const ParamDecl& b) { return natural_less(a.name, b.name); });
  decls.insert(at, std::move(d));
}

const std::vector<ParamDecl>& all_params() { return declared(); }

const ParamDecl* find_param(const std::string& name) {
  for (const auto& d : all_params())
    if (d.name == name) return &d;
  return nullptr;
}

Params::Params() {
  for (const auto& d : all_params()) values_[d.name] = d.default_value;
}

double Params::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("undeclared parameter " + name);
  return it->second;
}

void Params::set(const std::string& name, double value, const std::string& json_path) {
  const ParamDecl* d = find_param(name);
  if (!d) {
    std::vector<std::string> known;
    for (const auto& p : all_params()) known.push_back(p.name);
    throw InputError(json_path, "unknown parameter \"" + name + "\"" + did_you_mean(name, known) +
                                    " (svasim list shows every parameter)");
  }
  if (!std::isfinite(value) || value < d->min || value > d->max || (d->integer && value != std::floor(value)))
    throw InputError(json_path, "parameter \"" + name + "\" expects " + describe_range(*d));
  values_[name] = value;
}

void Params::apply(const nlohmann::json& nested, const std::string& json_path) { apply_group(nested, "", json_path); }

// Walks nested groups so {"vtd": {"qi_batch_size": 8}} names vtd.qi_batch_size.
void Params::apply_group(const nlohmann::json& obj, const std::string& prefix, const std::string& path) {
  if (!obj.is_object()) throw InputError(path, "expected an object of parameter groups");
  for (const auto& [key, value] : obj.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    const std::string p = path + "/" + key;
    if (value.is_object())
      apply_group(value, name, p);
    else if (value.is_boolean()) {
      const ParamDecl* d = find_param(name);
      if (d && d->unit != "bool") throw InputError(p, "parameter \"" + name + "\" expects " + (d->integer ? "an integer" : "a number") + " (" + d->unit + "), not true/false");
      set(name, value.get<bool>() ? 1.0 : 0.0, p);
    }
    else if (value.is_number())
      set(name, value.get<double>(), p);
    else
      throw InputError(p, "parameter \"" + name + "\" expects a number or boolean");
  }
}

}  // namespace svasim
