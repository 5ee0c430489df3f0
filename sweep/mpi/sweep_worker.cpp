#include "sweep/mpi/sweep_worker.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "sweep/point_pool.hpp"

namespace svasim::mpi {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kScratchPrefix = "svasim-rank";

// "svasim-rank3-HOST-PID": the host in the name, since a temporary directory may be shared between nodes.
std::string scratch_name(int rank, pid_t pid) {
  return std::string(kScratchPrefix) + std::to_string(rank) + "-" + host_name() + "-" + std::to_string(pid);
}

// Scratch directories of ranks that died on this host go when the next one starts here.
void remove_dead_ranks_scratch(const fs::path& tmp) {
  std::error_code ec;
  const std::string here = "-" + host_name() + "-";
  for (const auto& e : fs::directory_iterator(tmp, ec)) {
    const std::string name = e.path().filename().string();
    const auto dash = name.rfind('-');
    if (name.rfind(kScratchPrefix, 0) != 0 || dash == std::string::npos || dash < here.size() - 1) continue;
    if (name.compare(dash + 1 - here.size(), here.size(), here) != 0) continue;  // another host's
    const std::string pid = name.substr(dash + 1);
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
  }
}

}  // namespace

WorkerEnd run_worker(int rank, const SweepOptions& o, Outbox& out) {
  const std::string me = "svasim sweep: rank " + std::to_string(rank) + " (" + host_name() + ")";
  fs::path scratch;
  std::string trouble;
  try {
    const fs::path tmp = fs::temp_directory_path();
    remove_dead_ranks_scratch(tmp);
    scratch = tmp / scratch_name(rank, getpid());
    fs::create_directories(scratch);
  } catch (const std::exception& e) {
    trouble = std::string("no temporary directory for its points: ") + e.what();
  }
  json hello = {{"slots", trouble.empty() ? o.jobs : 0}, {"host", host_name()}, {"pid", getpid()}};
  if (!trouble.empty()) hello["error"] = trouble;
  out.post(hello, 0, kHello);

  std::optional<PointPool> pool;
  std::map<std::size_t, std::string> ids;  // running point index -> its id
  const double heartbeat_s = std::max(0.1, o.rank_timeout_s / 4);
  auto last_heartbeat = Clock::now();
  // Rank 0 plans the whole sweep before it says anything, so its silence counts only once it has spoken.
  bool root_spoke = false;
  double root_silent_s = 0;
  AwakeClock awake;
  bool stopped = false;
  WorkerEnd end;
  Inbox inbox(0);
  for (bool finished = false; !finished;) {
    bool busy = false;
    if (root_spoke) root_silent_s += awake.tick();
    while (auto m = inbox.next()) {
      busy = true;
      root_spoke = true;
      root_silent_s = 0;
      if (m->tag == kStop) {
        // Nothing it runs now can be wanted: rank 0 has settled every point.
        if (pool) pool->kill_all();
        ids.clear();
        stopped = true;
        out.post(json(), 0, kBye);
      } else if (m->tag == kFinish) {
        end.finalize = m->body.value("finalize", true);
        finished = true;
        break;
      } else if (m->tag == kAssign && !stopped) {
        const json& a = m->body;
        const std::size_t index = a.at("index").get<std::size_t>();
        SweepPoint p;
        p.id = a.at("id").get<std::string>();
        p.seed = a.at("seed").get<std::uint64_t>();
        for (const auto& s : a.at("sets")) p.sets.emplace_back(s.at(0).get<std::string>(), s.at(1));
        if (!pool) pool.emplace(a.at("time_limit_s").get<double>());
        try {
          pool->start(index, point_run_args(a.at("base").get<std::string>(), p, scratch / (p.id + ".json"),
                                     a.value("simgrid_args", std::vector<std::string>{})),
                      (scratch / (p.id + ".log")).string());
          ids[index] = p.id;
        } catch (const std::exception& e) {
          // Not the point's fault: rank 0 gives it to another rank and this one no more points.
          out.post({{"index", index}, {"unstarted", true}, {"detail", "cannot start svasim on " + host_name() + ": " + e.what()}},
                   0, kResult);
        }
      }
    }
    if (pool && !stopped) {
      for (const PointOutcome& e : pool->poll()) {
        busy = true;
        const std::string id = ids[e.index];
        ids.erase(e.index);
        const fs::path results = scratch / (id + ".json"), log = scratch / (id + ".log");
        out.post({{"index", e.index}, {"state", static_cast<int>(e.state)}, {"seconds", e.seconds}, {"detail", e.detail},
                  {"results", binary_of(e.state == PointState::done ? read_whole_file(results) : "")},
                  {"log", binary_of(read_whole_file(log))}},
                 0, kResult);
        std::error_code ec;
        fs::remove(results, ec);
        fs::remove(log, ec);
      }
    }
    if (seconds_since(last_heartbeat) > heartbeat_s) {
      out.post(json(), 0, kHeartbeat);
      last_heartbeat = Clock::now();
    }
    out.progress();
    if (root_silent_s > o.rank_timeout_s) {
      std::cerr << me << ": nothing from rank 0 for " << o.rank_timeout_s << " s: it is gone, stopping\n";
      end = {false, kExitFailure};
      break;
    }
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (pool) pool->kill_all();
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
  if (end.finalize) out.drain([](int) { return false; });  // rank 0 has had our bye: all of it is received
  return end;
}

}  // namespace svasim::mpi
