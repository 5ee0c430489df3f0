// `svasim merge -o OUT DIR...`: joins the directories of a sharded sweep (`svasim sweep --shard I/N`, e.g.
// one Slurm array task each) into one sweep directory, the same bytes a single run would have written.
// The shards' manifests must describe the same sweep from the same build; a point counts only if its
// stored results carry that provenance. Points no shard finished are listed as "missing", and
// `svasim sweep SPEC -o OUT --resume` runs exactly those.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "app/commands.hpp"
#include "sweep/sweep_plan.hpp"
#include "sweep/sweep_tables.hpp"
#include "core/error.hpp"
#include "core/results.hpp"

namespace svasim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ShardDir {
  fs::path dir;
  json manifest;
  std::map<std::string, json> lines;  // its results.jsonl, by point id: how its failed points ended
};

// What every shard of one sweep has in common: the manifest without the shard, and without how the spec
// and base paths were spelled (shards started from another directory are still the same sweep; the
// seeds and scenario hashes of the points say so).
json sweep_identity(json m) {
  for (const char* key : {"shard", "spec_file", "base"}) m.erase(key);
  return m;
}

std::optional<ShardDir> load_shard(const fs::path& dir) {
  const fs::path file = dir / "sweep.json";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    std::cerr << "svasim: error: " << dir.string() << ": not a sweep directory (no sweep.json; svasim sweep -o writes one)\n";
    return std::nullopt;
  }
  ShardDir s{dir, {}, {}};
  try {
    s.manifest = json::parse(read_whole_file(file));
    plan_from_manifest(s.manifest);
  } catch (const json::exception& e) {
    std::cerr << "svasim: error: " << file.string() << ": (document): not JSON: " << e.what() << "\n";
    return std::nullopt;
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << file.string() << ": " << (e.path().empty() ? "(document)" : e.path()) << ": " << e.what() << "\n";
    return std::nullopt;
  }
  // How its failed points ended. A line cut short by a crash is skipped (the point files are what
  // counts); a line that parses but has the wrong shape is somebody's edit, and refused.
  std::ifstream in(dir / "results.jsonl");
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    json l;
    try {
      l = json::parse(line);
    } catch (const json::exception&) {
      continue;
    }
    const char* bad = !l.is_object()                                       ? ""
                      : !l.contains("point") || !l["point"].is_string()   ? "point"
                      : !l.contains("status") || !l["status"].is_string() ? "status"
                      : l.contains("error") && !l["error"].is_string()    ? "error"
                                                                          : nullptr;
    if (bad) {
      std::cerr << "svasim: error: " << (dir / "results.jsonl").string() << ": line " << n << ": /" << bad
                << ": expected " << (*bad ? "a string" : "an object") << "\n";
      return std::nullopt;
    }
    const std::string id = l["point"].get<std::string>();
    s.lines[id] = std::move(l);
  }
  return s;
}

}  // namespace

int cmd_merge(const std::vector<std::string>& dirs, const std::string& output) {
  std::vector<ShardDir> shards;
  std::error_code ec;
  for (const auto& d : dirs) {
    auto s = load_shard(d);
    if (!s) return kExitBadInput;
    if (fs::exists(output, ec) && fs::equivalent(d, output, ec)) {
      std::cerr << "svasim: error: -o: " << output << " is one of the directories to merge; name a new one\n";
      return kExitBadInput;
    }
    shards.push_back(std::move(*s));
  }
  const json identity = sweep_identity(shards.front().manifest);
  for (std::size_t k = 1; k < shards.size(); ++k) {
    const json other = sweep_identity(shards[k].manifest);
    if (other == identity) continue;
    const std::string what = other.value("commit", "") != identity.value("commit", "")
                                 ? "ran on another svasim build (" + other.value("commit", "?") + " vs " + identity.value("commit", "?") + ")"
                                 : "is another sweep (its spec, base scenario or points differ)";
    std::cerr << "svasim: error: " << (shards[k].dir / "sweep.json").string() << ": " << what << " than "
              << (shards.front().dir / "sweep.json").string() << "\n";
    return kExitBadInput;
  }

  json whole = shards.front().manifest;  // its paths as the first directory spelled them
  whole.erase("shard");
  SweepPlan plan = plan_from_manifest(whole);
  plan.dir = output;
  if (fs::exists(plan.dir / "points", ec) && !fs::is_empty(plan.dir / "points", ec)) {
    std::cerr << "svasim: error: -o: " << output << " already holds a sweep; name a new directory\n";
    return kExitBadInput;
  }

  // First decide where every point comes from, then write: bad input leaves no half-merged -o.
  std::vector<const ShardDir*> from(plan.all.size(), nullptr);
  std::vector<std::string> missing, conflicting;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < plan.all.size(); ++i) {
    PointRun& p = plan.all[i];
    std::string first;
    for (const ShardDir& s : shards) {
      const fs::path file = point_file(s.dir, p);
      std::string b = read_whole_file(file);
      try {
        if (b.empty() || !stored_results_current(b, file.string(), plan.commit, p.hash, p.point.seed)) continue;
      } catch (const InputError& e) {  // nothing is written yet: bad input leaves no half-merged -o
        std::cerr << "svasim: error: " << e.what() << "\n";
        return kExitBadInput;
      }
      if (!from[i]) {
        first = std::move(b);
        from[i] = &s;
      } else if (b != first) {
        conflicting.push_back(p.point.id + " (" + from[i]->dir.string() + " vs " + s.dir.string() + ")");
      }
    }
    if (from[i]) {
      p.state = PointState::done;
      continue;
    }
    // Not stored anywhere: did a shard run it and see it fail?
    for (const ShardDir& s : shards) {
      const auto it = s.lines.find(p.point.id);
      if (it == s.lines.end()) continue;
      const std::string status = it->second["status"].get<std::string>();
      if (status != "failed" && status != "timeout") continue;
      p.state = status == "failed" ? PointState::failed : PointState::timed_out;
      p.detail = it->second.value("error", "");
      const std::string old_log = ", log " + point_log(s.dir, p).string();
      if (p.detail.size() >= old_log.size() && p.detail.compare(p.detail.size() - old_log.size(), old_log.size(), old_log) == 0) {
        p.detail.replace(p.detail.size() - old_log.size(), old_log.size(), ", log " + point_log(plan.dir, p).string());
        from[i] = &s;  // for its log
      }
      ++failed;
      break;
    }
    if (p.state == PointState::pending) {
      p.state = PointState::missing;
      p.detail = "no directory merged holds it";
      missing.push_back(p.point.id);
    }
  }

  fs::create_directories(plan.dir / "points", ec);
  if (!ec) fs::create_directories(plan.dir / "logs", ec);
  if (ec) {
    std::cerr << "svasim: error: -o: cannot create " << output << ": " << ec.message() << "\n";
    return kExitBadInput;
  }
  if (!lock_sweep_dir(plan.dir)) {
    std::cerr << "svasim: error: -o: another svasim sweep or merge is writing " << output << "\n";
    return kExitBadInput;
  }
  for (std::size_t i = 0; i < plan.all.size(); ++i) {
    const PointRun& p = plan.all[i];
    if (!from[i]) continue;
    if (p.state == PointState::done) write_text_atomically(point_file(plan.dir, p).string(), read_whole_file(point_file(from[i]->dir, p)));
    if (fs::exists(point_log(from[i]->dir, p), ec))
      write_text_atomically(point_log(plan.dir, p).string(), read_whole_file(point_log(from[i]->dir, p)));
  }
  write_json_atomically((plan.dir / "sweep.json").string(), sweep_manifest(plan));
  std::vector<std::size_t> rows(plan.all.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const int code = write_sweep_tables(plan, rows);

  const std::size_t ok = plan.all.size() - failed - missing.size();
  std::cerr << "svasim merge: " << plan.all.size() << " points from " << shards.size() << " directories: " << ok << " ok, "
            << failed << " failed or timed out, " << missing.size() << " missing; results in " << output << "\n";
  if (!missing.empty()) {
    std::cerr << "svasim merge: missing:";
    for (std::size_t i = 0; i < missing.size() && i < 20; ++i) std::cerr << " " << missing[i];
    if (missing.size() > 20) std::cerr << " and " << missing.size() - 20 << " more";
    std::cerr << "\nsvasim merge: to run them: svasim sweep " << plan.spec.file << " -o " << output << " --resume\n";
  }
  for (const auto& c : conflicting)
    std::cerr << "svasim merge: warning: point " << c << " differs between directories with the same provenance; kept the first\n";
  return conflicting.empty() ? code : kExitFailure;
}

}  // namespace svasim
