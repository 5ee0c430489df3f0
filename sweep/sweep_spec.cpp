#include "sweep/sweep_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/random.hpp"

namespace svasim {

using nlohmann::json;

namespace {

SweepAxis single_axis(const json& a, const std::string& path) {
  if (!a.is_object()) throw InputError(path, "expected an axis object {\"path\": ..., \"values\": [...]} or {\"range\": [from, to, step]}");
  for (const auto& [k, v] : a.items())
    if (k != "path" && k != "values" && k != "range")
      throw InputError(path + "/" + k, "unknown key \"" + k + "\" (allowed: path, values, range)");
  if (!a.contains("path") || !a["path"].is_string() || a["path"].get<std::string>().empty())
    throw InputError(path + "/path", "expected the JSON path (dotted or /pointer) of a scenario value");
  // Every point's seed is derived from the base scenario's and its replication (and is the tables'
  // "seed" column); an axis setting it would be overridden, so it is refused rather than ignored.
  if (a["path"] == "seed" || a["path"] == "/seed")
    throw InputError(path + "/path", "a sweep does not vary \"seed\": each replication gets its own seed derived from the "
                                     "base scenario's (\"replications\": N runs N of them; change the base's seed to draw others)");
  SweepAxis ax;
  ax.paths.push_back(a["path"].get<std::string>());
  std::vector<json> values;
  if (a.contains("values") == a.contains("range"))
    throw InputError(path, "expected exactly one of \"values\" and \"range\"");
  if (a.contains("values")) {
    if (!a["values"].is_array() || a["values"].empty()) throw InputError(path + "/values", "expected a non-empty array");
    for (const auto& v : a["values"]) values.push_back(v);
  } else {
    const json& r = a["range"];
    if (!r.is_array() || r.size() < 2 || r.size() > 3 || !std::all_of(r.begin(), r.end(), [](const json& x) { return x.is_number(); }))
      throw InputError(path + "/range", "expected [from, to] or [from, to, step] (numbers, to inclusive)");
    const double from = r[0].get<double>(), to = r[1].get<double>(), step = r.size() == 3 ? r[2].get<double>() : 1.0;
    if (!(step > 0) || to < from) throw InputError(path + "/range", "expected from <= to and a step > 0");
    if ((to - from) / step > 100000) throw InputError(path + "/range", "more than 100000 values");
    // Values by index, not by accumulation: x += step stops changing x once step is below x's precision.
    const auto count = static_cast<std::size_t>(std::floor((to - from) / step + 1e-9)) + 1;
    if (count > 1 && !(from + step > from))
      throw InputError(path + "/range", "the step is below the precision of the values (from + step == from)");
    const bool integral = std::all_of(r.begin(), r.end(), [](const json& x) { return x.is_number_integer(); });
    for (std::size_t i = 0; i < count; ++i) {
      const double x = from + static_cast<double>(i) * step;
      if (integral && std::fabs(x) >= 9.2e18) throw InputError(path + "/range", "values beyond the 64-bit integers");
      values.push_back(integral ? json(static_cast<std::int64_t>(std::llround(x))) : json(x));
    }
  }
  ax.values.push_back(std::move(values));
  return ax;
}

}  // namespace

SweepSpec sweep_spec_from_json(const json& j, const std::string& file) {
  if (!j.is_object()) throw InputError("", "expected a sweep object");
  for (const auto& [k, v] : j.items())
    if (k != "base" && k != "axes" && k != "replications" && k != "time_limit_s" && k != "description" && k != "name" &&
        k != "$schema")  // "$schema": an editor's pointer to scenarios/sweep.schema.json
      throw InputError("/" + k, "unknown key \"" + k + "\" (allowed: name, description, base, axes, replications, time_limit_s)");
  SweepSpec s;
  s.file = file;
  if (!j.contains("base") || !j["base"].is_string()) throw InputError("/base", "expected the base scenario file");
  const std::filesystem::path base(j["base"].get<std::string>());
  s.base = (base.is_absolute() ? base : std::filesystem::path(file).parent_path() / base).lexically_normal().string();
  if (!j.contains("axes") || !j["axes"].is_array() || j["axes"].empty()) throw InputError("/axes", "expected a non-empty array of axes");
  for (std::size_t i = 0; i < j["axes"].size(); ++i) {
    const json& a = j["axes"][i];
    const std::string path = "/axes/" + std::to_string(i);
    if (a.is_object() && a.contains("zip")) {
      if (a.size() != 1 || !a["zip"].is_array() || a["zip"].size() < 2)
        throw InputError(path + "/zip", "expected {\"zip\": [axis, axis, ...]} with at least two axes");
      SweepAxis zipped;
      for (std::size_t k = 0; k < a["zip"].size(); ++k) {
        SweepAxis one = single_axis(a["zip"][k], path + "/zip/" + std::to_string(k));
        if (k > 0 && one.size() != zipped.size())
          throw InputError(path + "/zip/" + std::to_string(k), "zipped axes need the same number of values (" +
                                                                   std::to_string(zipped.size()) + ")");
        zipped.paths.push_back(one.paths.front());
        zipped.values.push_back(one.values.front());
      }
      s.axes.push_back(std::move(zipped));
    } else {
      s.axes.push_back(single_axis(a, path));
    }
  }
  if (j.contains("replications")) {
    if (!j["replications"].is_number_integer() || j["replications"].get<std::int64_t>() < 1 ||
        j["replications"].get<std::int64_t>() > 1000)
      throw InputError("/replications", "expected an integer in [1, 1000]");
    s.replications = j["replications"].get<int>();
  }
  if (j.contains("time_limit_s")) {
    if (!j["time_limit_s"].is_number() || !(j["time_limit_s"].get<double>() > 0))
      throw InputError("/time_limit_s", "expected a number of seconds > 0");
    s.time_limit_s = j["time_limit_s"].get<double>();
  }
  // The grid's size, checked with the replications before anything is expanded: a product of axis sizes
  // can overflow to 0 (a sweep that silently does nothing) or ask for more memory than the machine has.
  std::size_t points = static_cast<std::size_t>(s.replications);
  for (const auto& a : s.axes) {
    if (a.size() != 0 && points > kMaxSweepPoints / a.size())
      throw InputError("/axes", "the sweep has more than " + std::to_string(kMaxSweepPoints) +
                                    " points (axis sizes times replications); split it or use fewer values");
    points *= a.size();
  }
  return s;
}

SweepSpec load_sweep_spec(const std::string& file) {
  check_input_file(file, "sweep spec");
  std::ifstream in(file);
  if (!in) throw InputError("", "cannot open the file");
  return sweep_spec_from_json(parse_user_json(in), file);
}

std::uint64_t derive_seed(std::uint64_t base_seed, int replication) {
  if (replication == 0) return base_seed;
  RandomStream r(base_seed, "replication/" + std::to_string(replication));
  return r.next() >> 1;  // keep it within int64 for tools that read JSON numbers as signed
}

std::vector<SweepPoint> expand(const SweepSpec& spec, std::uint64_t base_seed) {
  std::size_t total = 1;
  for (const auto& a : spec.axes) total *= a.size();
  std::vector<SweepPoint> out;
  out.reserve(total * static_cast<std::size_t>(spec.replications));
  for (std::size_t flat = 0; flat < total; ++flat) {
    std::vector<std::pair<std::string, json>> sets;
    std::size_t rest = flat, stride = total;
    for (const auto& a : spec.axes) {
      stride /= a.size();
      const std::size_t i = rest / stride;
      rest %= stride;
      for (std::size_t k = 0; k < a.paths.size(); ++k) sets.emplace_back(a.paths[k], a.values[k][i]);
    }
    for (int r = 0; r < spec.replications; ++r) {
      char id[32];
      std::snprintf(id, sizeof id, "p%05zu", out.size());
      out.push_back({id, sets, r, derive_seed(base_seed, r)});
    }
  }
  return out;
}

}  // namespace svasim
