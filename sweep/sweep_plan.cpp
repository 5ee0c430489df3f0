#include "sweep/sweep_plan.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <iostream>
#include <sstream>

#include "sweep/options.hpp"
#include "core/error.hpp"
#include "core/results.hpp"
#include "svasim/version.hpp"

namespace svasim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kManifestFormat = "svasim-sweep";
constexpr int kManifestVersion = 1;
}  // namespace

const char* status_text(PointState s) {
  switch (s) {
    case PointState::done: return "ok";
    case PointState::timed_out: return "timeout";
    case PointState::missing: return "missing";
    default: return "failed";
  }
}

std::optional<Shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  const std::string i = text.substr(0, slash), n = text.substr(slash + 1);
  auto digits = [](const std::string& s) { return s.size() <= 6 && s.find_first_not_of("0123456789") == std::string::npos; };
  if (!digits(i) || !digits(n)) return std::nullopt;
  Shard s{std::stoi(i), std::stoi(n)};
  if (s.count < 1 || s.index >= s.count) return std::nullopt;
  return s;
}

std::vector<std::size_t> SweepPlan::mine() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (shard.owns(i)) out.push_back(i);
  return out;
}

std::optional<SweepPlan> plan_sweep(const std::string& spec_file, Shard shard, const std::vector<std::string>& simgrid_args) {
  SweepPlan plan;
  plan.shard = shard;
  plan.commit = kCommit;
  try {
    plan.spec = load_sweep_spec(spec_file);
    plan.spec.simgrid_args = simgrid_args;
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << spec_file << ": " << (e.path().empty() ? "(document)" : e.path()) << ": " << e.what() << "\n";
    return std::nullopt;
  }
  for (const auto& a : plan.spec.axes) plan.axis_paths.insert(plan.axis_paths.end(), a.paths.begin(), a.paths.end());
  // Every point is checked before anything runs, shard or not: a bad value must not show up half-way
  // through, nor in only one of the shards.
  ScenarioOptions base;
  base.file = plan.spec.base;
  auto base_scenario = load_or_report(base, std::nullopt);
  if (!base_scenario) return std::nullopt;
  for (const SweepPoint& p : expand(plan.spec, base_scenario->seed)) {
    ScenarioOptions so;
    so.file = plan.spec.base;
    so.seed = p.seed;
    for (const auto& [path, value] : p.sets) so.set.push_back(path + "=" + value.dump());
    auto s = load_or_report(so, std::nullopt);
    if (!s) {
      std::cerr << "svasim: error: " << spec_file << ": point " << p.id << " (";
      for (std::size_t i = 0; i < p.sets.size(); ++i) std::cerr << (i ? ", " : "") << p.sets[i].first << "=" << p.sets[i].second.dump();
      std::cerr << ") is not a valid scenario (see above)\n";
      return std::nullopt;
    }
    plan.all.push_back({p, scenario_hash_with(*s, simgrid_args), PointState::pending, {}});
  }
  return plan;
}

fs::path point_file(const fs::path& dir, const PointRun& p) { return dir / "points" / (p.point.id + ".json"); }
fs::path point_log(const fs::path& dir, const PointRun& p) { return dir / "logs" / (p.point.id + ".log"); }

std::string read_whole_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  if (in) s << in.rdbuf();
  return s.str();
}

bool stored_results_current(const std::string& bytes, const std::string& file, const std::string& commit,
                            const std::string& hash, std::uint64_t seed) {
  json j;
  try {
    j = json::parse(bytes);
  } catch (const json::exception&) {
    return false;  // half a file: run it again
  }
  // Another build's file (another format version) is not this sweep's either: run it again.
  if (!j.is_object() || !j.contains("format_version") || j["format_version"] != kResultsFormatVersion) return false;
  // Read through the results type: what the tables read must be there.
  const RunResults r = RunResults::from_json(j, file);
  return r.provenance.commit == commit && r.provenance.scenario_hash == hash && r.provenance.seed == seed;
}

bool results_current(const std::string& bytes, const std::string& commit, const std::string& hash, std::uint64_t seed) {
  try {
    return stored_results_current(bytes, "stored point", commit, hash, seed);
  } catch (const InputError&) {
    return false;  // a hand-edited or foreign file is run again, not tabulated
  }
}

bool stored_and_current(const fs::path& file, const PointRun& p) {
  std::error_code ec;
  return fs::is_regular_file(file, ec) && results_current(read_whole_file(file), kCommit, p.hash, p.point.seed);
}

std::vector<std::string> point_run_args(const std::string& base, const SweepPoint& p, const fs::path& out,
                                        const std::vector<std::string>& simgrid_args) {
  std::vector<std::string> a{"run", base, "--quiet", "-o", out.string(), "--seed", std::to_string(p.seed)};
  for (const auto& [path, value] : p.sets) a.insert(a.end(), {"--set", path + "=" + value.dump()});
  a.insert(a.end(), simgrid_args.begin(), simgrid_args.end());
  return a;
}

bool lock_sweep_dir(const fs::path& dir) {
  const int fd = open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return true;  // a read-only directory fails later with its own message
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return true;  // the descriptor stays open: the lock lives on
  close(fd);
  return false;
}

bool open_sweep_dir(SweepPlan& plan, const std::string& dir, bool resume) {
  plan.dir = dir;
  std::error_code ec;
  fs::create_directories(plan.dir, ec);
  if (!ec && !lock_sweep_dir(plan.dir)) {
    std::cerr << "svasim: error: -o: another svasim sweep is writing " << dir << "; wait for it, or use another -o\n";
    return false;
  }
  if (fs::exists(plan.dir / "points", ec) && !fs::is_empty(plan.dir / "points", ec) && !resume) {
    std::cerr << "svasim: error: -o: " << dir << " already holds a sweep: --resume to continue it, or another -o\n";
    return false;
  }
  fs::create_directories(plan.dir / "points", ec);
  if (!ec) fs::create_directories(plan.dir / "logs", ec);
  if (ec) {
    std::cerr << "svasim: error: -o: cannot create " << dir << ": " << ec.message() << "\n";
    return false;
  }
  if (resume)
    for (std::size_t i : plan.mine())
      if (stored_and_current(point_file(plan.dir, plan.all[i]), plan.all[i])) plan.all[i].state = PointState::done;
  try {
    write_json_atomically((plan.dir / "sweep.json").string(), sweep_manifest(plan));
  } catch (const std::exception& e) {
    std::cerr << "svasim: error: -o: " << e.what() << "\n";
    return false;
  }
  return true;
}

json sweep_manifest(const SweepPlan& plan) {
  json points = json::array();
  for (const PointRun& p : plan.all) {
    json sets = json::object();
    for (const auto& [path, value] : p.point.sets) sets[path] = value;
    points.push_back({{"id", p.point.id},
                      {"replication", p.point.replication},
                      {"seed", p.point.seed},
                      {"scenario_hash", p.hash},
                      {"sets", sets}});
  }
  json m = {{"format", kManifestFormat},
            {"format_version", kManifestVersion},
            {"commit", plan.commit},
            {"spec_file", plan.spec.file},
            {"base", plan.spec.base},
            {"axes", plan.axis_paths},
            {"replications", plan.spec.replications},
            {"time_limit_s", plan.spec.time_limit_s},
            {"simgrid_args", plan.spec.simgrid_args},
            {"points", points}};
  if (!plan.shard.whole()) m["shard"] = {{"index", plan.shard.index}, {"count", plan.shard.count}};
  return m;
}

SweepPlan plan_from_manifest(const json& m) {
  auto need = [&](const char* key) -> const json& {
    if (!m.is_object() || !m.contains(key)) throw InputError(std::string("/") + key, "missing");
    return m[key];
  };
  if (need("format") != kManifestFormat) throw InputError("/format", std::string("expected \"") + kManifestFormat + "\"");
  if (need("format_version") != kManifestVersion)
    throw InputError("/format_version", "written by another svasim version (expected " + std::to_string(kManifestVersion) + ")");
  SweepPlan plan;
  try {
    plan.commit = need("commit").get<std::string>();
    plan.spec.file = need("spec_file").get<std::string>();
    plan.spec.base = need("base").get<std::string>();
    plan.axis_paths = need("axes").get<std::vector<std::string>>();
    plan.spec.replications = need("replications").get<int>();
    plan.spec.time_limit_s = need("time_limit_s").get<double>();
    if (m.contains("simgrid_args")) plan.spec.simgrid_args = m["simgrid_args"].get<std::vector<std::string>>();
    const json& points = need("points");
    if (!points.is_array()) throw InputError("/points", "expected an array");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const json& p = points[i];
      const std::string at = "/points/" + std::to_string(i);
      try {
        PointRun r;
        r.point.id = p.at("id").get<std::string>();
        // Ids name files: nothing that could leave the directory, and each once.
        if (r.point.id.empty() || r.point.id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
          throw InputError(at + "/id", "expected letters, digits, '_' or '-', got \"" + r.point.id + "\"");
        if (!ids.insert(r.point.id).second) throw InputError(at + "/id", "\"" + r.point.id + "\" appears twice");
        r.point.replication = p.at("replication").get<int>();
        r.point.seed = p.at("seed").get<std::uint64_t>();
        r.hash = p.at("scenario_hash").get<std::string>();
        for (const auto& path : plan.axis_paths) r.point.sets.emplace_back(path, p.at("sets").at(path));
        plan.all.push_back(std::move(r));
      } catch (const json::exception& e) {
        throw InputError(at, std::string("malformed point: ") + e.what());
      }
    }
    if (m.contains("shard")) plan.shard = {m["shard"].at("index").get<int>(), m["shard"].at("count").get<int>()};
  } catch (const json::exception& e) {
    throw InputError("", std::string("malformed manifest: ") + e.what());
  }
  return plan;
}

}  // namespace svasim
