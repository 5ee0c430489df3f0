// `svasim sweep SPEC -o DIR [-j N] [--resume]`: every point of the grid is a child `svasim run` (one
// SimGrid engine per process), N at a time. Each finished point is its own results file, written
// atomically by the child, so an interrupted sweep resumes where it stopped; a stored point counts only
// if its provenance (commit, effective scenario hash, seed) matches. A point that fails or exceeds the
// time limit is reported and the others go on. The points are then collected into CSV and JSON Lines.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "app/child_process.hpp"
#include "app/commands.hpp"
#include "engine/error.hpp"
#include "engine/results.hpp"
#include "engine/sweep_spec.hpp"
#include "svasim/version.hpp"

namespace svasim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

enum class PointState { pending, done, failed, timed_out };

struct PointRun {
  SweepPoint point;
  std::string hash;  // the effective scenario's, as the child will report it
  PointState state = PointState::pending;
  std::string detail;
};

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::vector<std::string> run_args(const SweepSpec& spec, const PointRun& p, const fs::path& out) {
  std::vector<std::string> a{"run", spec.base, "--quiet", "-o", out.string(), "--seed", std::to_string(p.point.seed)};
  for (const auto& [path, value] : p.point.sets) a.insert(a.end(), {"--set", path + "=" + value.dump()});
  return a;
}

bool stored_and_current(const fs::path& file, const PointRun& p) {
  std::ifstream in(file);
  if (!in) return false;
  try {
    const json r = json::parse(in);
    const json& pv = r.at("provenance");
    return pv.at("commit") == kCommit && pv.at("scenario_hash") == p.hash && pv.at("seed") == p.point.seed;
  } catch (const json::exception&) {
    return false;  // half a file or another format: run it again
  }
}

double per_unmap(const json& r, const char* counter) {
  const double u = r["counters"].value("unmaps", 0.0);
  return u > 0 ? r["counters"].value(counter, 0.0) / u : 0.0;
}

// The columns users plot: one per axis, then the key metrics.
void write_tables(const SweepSpec& spec, const std::vector<PointRun>& runs, const fs::path& dir) {
  std::ostringstream csv, jsonl;
  csv << "point,replication,seed,status";
  for (const auto& a : spec.axes)
    for (const auto& p : a.paths) csv << "," << p;
  csv << ",run_profile,run_environment,unmaps,iotlb_per_unmap,devtlb_per_unmap,waits_per_unmap,vm_exits_per_unmap,"
         "queue_lock_wait_ns_per_unmap,unmap_mean_ns,unmap_p50_ns,unmap_p90_ns,unmap_p99_ns,unmap_max_ns,"
         "dma_completed,dma_p50_ns,dma_p99_ns,page_faults\n";
  for (const PointRun& p : runs) {
    json r;
    if (p.state == PointState::done) {
      std::ifstream in(dir / "points" / (p.point.id + ".json"));
      r = json::parse(in);
    }
    const char* status = p.state == PointState::done ? "ok" : p.state == PointState::timed_out ? "timeout" : "failed";
    csv << p.point.id << "," << p.point.replication << "," << p.point.seed << "," << status;
    for (const auto& [path, value] : p.point.sets) {
      std::string v = value_text(value);
      if (v.find_first_of(",\"\n") != std::string::npos) {
        std::string q = "\"";
        for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        v = q + "\"";
      }
      csv << "," << v;
    }
    if (p.state == PointState::done) {
      const json& l = r["latency"];
      csv << "," << r["scenario"].value("profile", "") << "," << r["scenario"].value("environment", "") << ","
          << r["counters"]["unmaps"].get<std::uint64_t>() << "," << per_unmap(r, "iotlb_invalidations") << ","
          << per_unmap(r, "devtlb_invalidations") << "," << per_unmap(r, "invalidation_waits") << ","
          << per_unmap(r, "vm_exits") << "," << per_unmap(r, "queue_lock_wait_ns") << ","
          << l["unmap"]["mean_ns"].get<double>() << "," << l["unmap"]["p50_ns"] << "," << l["unmap"]["p90_ns"] << ","
          << l["unmap"]["p99_ns"] << "," << l["unmap"]["max_ns"] << "," << r["counters"].value("dma_completed", 0) << ","
          << l["dma"]["p50_ns"] << "," << l["dma"]["p99_ns"] << "," << r["counters"].value("page_faults", 0) << "\n";
    } else {
      csv << std::string(17, ',') << "\n";
    }
    json line = {{"point", p.point.id}, {"replication", p.point.replication}, {"seed", p.point.seed}, {"status", status}};
    json sets = json::object();
    for (const auto& [path, value] : p.point.sets) sets[path] = value;
    line["sets"] = sets;
    if (p.state == PointState::done)
      line["results"] = r;
    else
      line["error"] = p.detail;
    jsonl << line.dump() << "\n";
  }
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"results.csv", csv.str()}, {"results.jsonl", jsonl.str()}}) {
    const fs::path tmp = dir / (name + ".tmp." + std::to_string(getpid()));
    std::ofstream(tmp) << text;
    fs::rename(tmp, dir / name);
  }
}

std::string clock_text(double seconds) {
  char buf[32];
  const long s = static_cast<long>(seconds + 0.5);
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

}  // namespace

int cmd_sweep(const SweepOptions& o) {
  SweepSpec spec;
  std::vector<PointRun> runs;
  try {
    spec = load_sweep_spec(o.spec);
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << o.spec << ": " << (e.path().empty() ? "(document)" : e.path()) << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  // Every point is checked before anything runs: a bad value must not show up half-way through.
  ScenarioOptions base;
  base.file = spec.base;
  auto base_scenario = load_or_report(base, std::nullopt);
  if (!base_scenario) return kExitBadInput;
  for (const SweepPoint& p : expand(spec, base_scenario->seed)) {
    ScenarioOptions so;
    so.file = spec.base;
    so.seed = p.seed;
    for (const auto& [path, value] : p.sets) so.set.push_back(path + "=" + value.dump());
    auto s = load_or_report(so, std::nullopt);
    if (!s) {
      std::cerr << "svasim: error: " << o.spec << ": point " << p.id << " (";
      for (std::size_t i = 0; i < p.sets.size(); ++i) std::cerr << (i ? ", " : "") << p.sets[i].first << "=" << p.sets[i].second.dump();
      std::cerr << ") is not a valid scenario (see above)\n";
      return kExitBadInput;
    }
    runs.push_back({p, s->hash, PointState::pending, {}});
  }

  const fs::path dir(o.output);
  std::error_code ec;
  if (fs::exists(dir / "points", ec) && !fs::is_empty(dir / "points", ec) && !o.resume) {
    std::cerr << "svasim: error: -o: " << o.output << " already holds a sweep: --resume to continue it, or another -o\n";
    return kExitBadInput;
  }
  fs::create_directories(dir / "points", ec);
  fs::create_directories(dir / "logs", ec);
  if (ec) {
    std::cerr << "svasim: error: -o: cannot create " << o.output << ": " << ec.message() << "\n";
    return kExitBadInput;
  }

  std::size_t already = 0;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (o.resume && stored_and_current(dir / "points" / (runs[i].point.id + ".json"), runs[i])) {
      runs[i].state = PointState::done;
      ++already;
    } else {
      todo.push_back(i);
    }
  }
  const bool tty = isatty(STDERR_FILENO);
  std::cerr << "svasim sweep: " << runs.size() << " points (" << already << " already done), " << o.jobs
            << " at a time, results in " << o.output << "\n";

  struct Running {
    std::size_t index;
    std::chrono::steady_clock::time_point started;
  };
  std::map<int, Running> running;
  std::size_t next = 0, finished = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto report = [&](const PointRun& p, double seconds) {
    ++finished;
    const double eta = finished ? elapsed() / static_cast<double>(finished) * static_cast<double>(todo.size() - finished) : 0;
    const char* what = p.state == PointState::done ? "ok" : p.state == PointState::timed_out ? "TIMEOUT" : "FAILED";
    if (tty) {
      const int width = 30;
      const int filled = static_cast<int>(width * static_cast<double>(finished) / static_cast<double>(std::max<std::size_t>(1, todo.size())));
      std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), '.')
                << "] " << finished << "/" << todo.size() << " ETA " << clock_text(eta) << "   ";
      if (p.state != PointState::done) std::cerr << "\n" << p.point.id << " " << what << ": " << p.detail << "\n";
    } else {
      std::cerr << "[" << finished << "/" << todo.size() << "] " << p.point.id << " " << what << " in "
                << clock_text(seconds) << (p.state != PointState::done ? " (" + p.detail + ")" : "") << ", ETA "
                << clock_text(eta) << "\n";
    }
  };

  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && running.size() < static_cast<std::size_t>(o.jobs)) {
      PointRun& p = runs[todo[next]];
      const fs::path out = dir / "points" / (p.point.id + ".json");
      const int pid = spawn_self(run_args(spec, p, out), (dir / "logs" / (p.point.id + ".log")).string());
      running[pid] = {todo[next], std::chrono::steady_clock::now()};
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const Running r = running[pid];
      running.erase(pid);
      PointRun& p = runs[r.index];
      const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
      if (p.state != PointState::timed_out) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
          p.state = PointState::done;
        } else {
          p.state = PointState::failed;
          p.detail = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                       : "killed by signal " + std::to_string(WTERMSIG(status));
          p.detail += ", log " + (dir / "logs" / (p.point.id + ".log")).string();
        }
      }
      report(p, took);
      continue;
    }
    // The time limit: a point that runs too long is killed and reported, the sweep goes on.
    for (auto& [cpid, r] : running) {
      const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
      if (took > spec.time_limit_s && runs[r.index].state != PointState::timed_out) {
        runs[r.index].state = PointState::timed_out;
        runs[r.index].detail = "over the " + clock_text(spec.time_limit_s) + " time limit";
        kill(cpid, SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // points can be short: poll often
  }
  if (tty) std::cerr << "\n";

  write_tables(spec, runs, dir);
  std::size_t bad = 0;
  for (const auto& p : runs) bad += p.state == PointState::done ? 0 : 1;
  std::cerr << "svasim sweep: " << runs.size() - bad << " of " << runs.size() << " points done in " << clock_text(elapsed())
            << "; " << (dir / "results.csv").string() << ", " << (dir / "results.jsonl").string() << "\n";
  return bad ? kExitFailure : kExitOk;
}

}  // namespace svasim
