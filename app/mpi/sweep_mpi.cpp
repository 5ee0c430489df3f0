// `svasim sweep --backend mpi` under mpirun or srun (svasim-mpi, which svasim execs into). Rank 0 coordinates: it plans the sweep, hands out
// points one at a time as slots free up (self-scheduling: points differ in cost by orders of magnitude,
// so any static split leaves ranks idle), runs points itself too, and is the only rank that writes into
// -o. Every rank still runs each point as a child `svasim run` (one SimGrid engine per process) in a
// private temporary directory and sends back the results file's bytes and the log, so the ranks need no
// shared file system for the output, and a point's results are the same bytes as under the local backend.
//
// Losing a rank: ranks send heartbeats; one silent for --rank-timeout while it runs points counts as
// lost, and its points go back to the queue once (twice lost: reported failed). Open MPI aborts the whole
// job when a rank dies unless mpirun has --enable-recovery; either way every finished point is already
// stored, so --resume reruns only the points that were running.
#define OMPI_SKIP_MPICXX 1  // the C API only: the C++ bindings are deprecated and not needed
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <iostream>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "app/point_pool.hpp"
#include "app/sweep_run.hpp"
#include "engine/results.hpp"

namespace svasim {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

enum Tag : int { kHello = 1, kAssign = 2, kResult = 3, kHeartbeat = 4, kStop = 5 };

// Messages are CBOR: compact, and its byte strings carry results and logs unchanged. Workers send with
// MPI_Send: rank 0 never blocks in a send (see Outbox), so each of theirs finds its receive.
void send(const json& j, int to, Tag tag) {
  const std::vector<std::uint8_t> bytes = json::to_cbor(j);
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD);
}

struct Message {
  int from = -1;
  int tag = 0;
  json body;
};

// The next message from `from` (or anyone), if one is waiting.
std::optional<Message> receive(int from) {
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&st, MPI_BYTE, &count);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  Message m{st.MPI_SOURCE, st.MPI_TAG, bytes.empty() ? json() : json::from_cbor(bytes)};
  return m;
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string bytes_of(const json& j) {
  const auto& b = j.get_binary();
  return std::string(b.begin(), b.end());
}

json binary_of(const std::string& s) { return json::binary(std::vector<std::uint8_t>(s.begin(), s.end())); }

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A rank other than 0: runs what it is given, `jobs` at a time, until told to stop. Returns whether
// MPI_Finalize may be called (not once a rank was lost: it would wait for the dead rank forever).
bool worker(int rank, const SweepOptions& o) {
  bool finalize = true;
  const fs::path scratch = fs::temp_directory_path() / ("svasim-rank" + std::to_string(rank) + "-" + std::to_string(getpid()));
  std::error_code ec;
  fs::create_directories(scratch, ec);
  send({{"slots", o.jobs}, {"host", host_name()}, {"pid", getpid()}}, 0, kHello);
  std::optional<PointPool> pool;
  std::map<std::size_t, std::string> names;  // running point index -> its id
  const double heartbeat_s = std::max(0.1, o.rank_timeout_s / 4);
  auto last_heartbeat = Clock::now();
  for (bool stop = false; !stop;) {
    bool busy = false;
    while (auto m = receive(0)) {
      busy = true;
      if (m->tag == kStop) {
        stop = true;
        finalize = m->body.is_object() ? m->body.value("finalize", true) : true;
        break;
      }
      const json& a = m->body;
      const std::size_t index = a["index"].get<std::size_t>();
      SweepPoint p;
      p.id = a["id"].get<std::string>();
      p.seed = a["seed"].get<std::uint64_t>();
      for (const auto& s : a["sets"]) p.sets.emplace_back(s[0].get<std::string>(), s[1]);
      if (!pool) pool.emplace(a["time_limit_s"].get<double>());
      try {
        pool->start(index, point_run_args(a["base"].get<std::string>(), p, scratch / (p.id + ".json")),
                    (scratch / (p.id + ".log")).string());
        names[index] = p.id;
      } catch (const std::exception& e) {
        send({{"index", index}, {"state", static_cast<int>(PointState::failed)}, {"seconds", 0.0},
              {"detail", "cannot start svasim on " + host_name() + ": " + e.what()}, {"results", binary_of("")}, {"log", binary_of("")}},
             0, kResult);
      }
    }
    if (pool && !stop) {
      for (const PointOutcome& e : pool->poll()) {
        busy = true;
        const std::string id = names[e.index];
        names.erase(e.index);
        const fs::path results = scratch / (id + ".json"), log = scratch / (id + ".log");
        send({{"index", e.index}, {"state", static_cast<int>(e.state)}, {"seconds", e.seconds}, {"detail", e.detail},
              {"results", binary_of(e.state == PointState::done ? read_whole_file(results) : "")},
              {"log", binary_of(read_whole_file(log))}},
             0, kResult);
        fs::remove(results, ec);
        fs::remove(log, ec);
      }
    }
    if (seconds_since(last_heartbeat) > heartbeat_s) {
      send(json(), 0, kHeartbeat);
      last_heartbeat = Clock::now();
    }
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (pool) pool->kill_all();
  fs::remove_all(scratch, ec);
  return finalize;
}

// Rank 0's sends. A blocking send of a message over the eager limit would wait for the worker's receive
// while the worker waits in its own send of a result to rank 0: deadlock. So rank 0 only posts sends and
// completes them as it goes.
class Outbox {
public:
  void post(const json& j, int to, Tag tag) {
    auto& m = pending_.emplace_back(Pending{MPI_REQUEST_NULL, to, json::to_cbor(j)});
    MPI_Isend(m.bytes.data(), static_cast<int>(m.bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD, &m.request);
  }
  void progress() {
    pending_.remove_if([](Pending& m) {
      int done = 0;
      MPI_Test(&m.request, &done, MPI_STATUS_IGNORE);
      return done != 0;
    });
  }
  // Waits for the sends to ranks that are still there; those to lost ranks are left (they may never end).
  template <class Lost> void drain(Lost lost) {
    for (auto& m : pending_)
      if (!lost(m.to)) MPI_Wait(&m.request, MPI_STATUS_IGNORE);
  }

private:
  struct Pending {
    MPI_Request request;
    int to;
    std::vector<std::uint8_t> bytes;  // must outlive the send
  };
  std::list<Pending> pending_;  // stable addresses: MPI holds pointers into them
};

struct Rank {
  int free_slots = 0;
  std::set<std::size_t> running;
  Clock::time_point last_heard = Clock::now();
  bool lost = false;
  std::string name;  // "rank 3 (host, pid 1234)"
};

class Coordinator {
public:
  Coordinator(SweepPlan& plan, const SweepOptions& o, int ranks, SweepProgress& progress)
      : plan_(plan), o_(o), jobs_(o.jobs), ranks_(static_cast<std::size_t>(ranks)), progress_(progress),
        local_(plan.spec.time_limit_s) {
    for (int r = 0; r < ranks; ++r) ranks_[static_cast<std::size_t>(r)].name = "rank " + std::to_string(r);
  }

  // Returns whether MPI_Finalize may be called: not after a rank was lost.
  bool run(const std::vector<std::size_t>& todo) {
    queue_.assign(todo.begin(), todo.end());
    unresolved_ = todo.size();
    while (unresolved_ > 0) {
      bool busy = false;
      while (auto m = receive(MPI_ANY_SOURCE)) {
        busy = true;
        on_message(*m);
      }
      for (const PointOutcome& e : local_.poll()) {
        busy = true;
        resolve(e.index, e.state, e.detail, e.seconds, "rank 0");
      }
      find_lost_ranks();
      busy |= assign();
      outbox_.progress();
      if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Lost ranks are told too: one may only have been slow. Their sends are never waited for.
    const bool finalize = std::none_of(ranks_.begin(), ranks_.end(), [](const Rank& r) { return r.lost; });
    for (std::size_t r = 1; r < ranks_.size(); ++r) outbox_.post(json{{"finalize", finalize}}, static_cast<int>(r), kStop);
    outbox_.drain([&](int r) { return ranks_[static_cast<std::size_t>(r)].lost; });
    return finalize;
  }

private:
  void on_message(const Message& m) {
    Rank& r = ranks_[static_cast<std::size_t>(m.from)];
    r.last_heard = Clock::now();
    if (m.tag == kHello) {
      r.free_slots = m.body["slots"].get<int>();
      r.name = "rank " + std::to_string(m.from) + " (" + m.body["host"].get<std::string>() + ", pid " +
               std::to_string(m.body["pid"].get<long>()) + ")";
    } else if (m.tag == kResult) {
      const std::size_t index = m.body["index"].get<std::size_t>();
      if (r.running.erase(index) && !r.lost) ++r.free_slots;
      if (plan_.all[index].state != PointState::pending) return;  // a retry already settled it
      const PointRun& p = plan_.all[index];
      auto state = static_cast<PointState>(m.body["state"].get<int>());
      std::string detail = m.body["detail"].get<std::string>();
      const std::string results = bytes_of(m.body["results"]);
      write_text_atomically(point_log(plan_.dir, p).string(), bytes_of(m.body["log"]));
      if (state == PointState::done) {
        if (results_current(results, plan_.commit, p.hash, p.point.seed)) {
          write_text_atomically(point_file(plan_.dir, p).string(), results);
        } else {
          state = PointState::failed;
          detail = "its results do not carry this sweep's provenance (commit " + plan_.commit + ", scenario hash " + p.hash +
                   "): is the svasim binary or the base scenario different on that host?";
        }
      }
      resolve(index, state, detail, m.body["seconds"].get<double>(), r.name);
    }
  }

  void resolve(std::size_t index, PointState state, const std::string& detail, double seconds, const std::string& where) {
    if (plan_.all[index].state != PointState::pending) return;
    record_outcome(plan_, index, state, detail);
    --unresolved_;
    progress_.point_ended(plan_.all[index], seconds, ranks_.size() > 1 ? where : "");
  }

  void find_lost_ranks() {
    for (Rank& r : ranks_) {
      if (r.lost || r.running.empty() || seconds_since(r.last_heard) < o_.rank_timeout_s) continue;
      r.lost = true;
      progress_.note("svasim sweep: " + r.name + " silent for " + std::to_string(static_cast<int>(o_.rank_timeout_s)) +
                     " s: counted as lost");
      for (std::size_t index : r.running) {
        const PointRun& p = plan_.all[index];
        if (p.state != PointState::pending) continue;
        if (attempts_[index] < 2) {
          queue_.push_front(index);
          progress_.note("svasim sweep: " + p.point.id + " was running on it: back in the queue");
        } else {
          resolve(index, PointState::failed, "lost with its rank twice, last " + r.name, 0, r.name);
        }
      }
      r.running.clear();
    }
  }

  bool assign() {
    bool any = false;
    auto next = [&]() -> std::optional<std::size_t> {
      while (!queue_.empty()) {
        const std::size_t i = queue_.front();
        queue_.pop_front();
        if (plan_.all[i].state == PointState::pending) return i;  // a lost rank may have answered late
      }
      return std::nullopt;
    };
    while (local_.running() < static_cast<std::size_t>(jobs_)) {
      const auto i = next();
      if (!i) return any;
      const PointRun& p = plan_.all[*i];
      ++attempts_[*i];
      local_.start(*i, point_run_args(plan_.spec.base, p.point, point_file(plan_.dir, p)), point_log(plan_.dir, p).string());
      any = true;
    }
    for (std::size_t r = 1; r < ranks_.size(); ++r) {
      Rank& rank = ranks_[r];
      while (!rank.lost && rank.free_slots > 0) {
        const auto i = next();
        if (!i) return any;
        const PointRun& p = plan_.all[*i];
        json sets = json::array();
        for (const auto& [path, value] : p.point.sets) sets.push_back({path, value});
        if (rank.running.empty()) rank.last_heard = Clock::now();  // its silence counts from now
        outbox_.post({{"index", *i}, {"id", p.point.id}, {"seed", p.point.seed}, {"base", plan_.spec.base}, {"sets", sets},
                      {"time_limit_s", plan_.spec.time_limit_s}},
                     static_cast<int>(r), kAssign);
        ++attempts_[*i];
        --rank.free_slots;
        rank.running.insert(*i);
        any = true;
      }
    }
    return any;
  }

  SweepPlan& plan_;
  const SweepOptions& o_;
  int jobs_;
  std::vector<Rank> ranks_;
  SweepProgress& progress_;
  PointPool local_;
  Outbox outbox_;
  std::deque<std::size_t> queue_;
  std::map<std::size_t, int> attempts_;
  std::size_t unresolved_ = 0;
};

}  // namespace

int run_sweep_mpi(const SweepOptions& given) {
  SweepOptions o = given;
  if (!o.jobs_given) o.jobs = 1;  // one rank per core is the usual layout; -j for one rank per node
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int code = kExitOk;
  bool finalize = true;
  if (rank != 0) {
    finalize = worker(rank, o);
  } else {
    auto plan = prepare_sweep(o);
    if (!plan) {
      for (int r = 1; r < size; ++r) send(json{{"finalize", true}}, r, kStop);
      code = kExitBadInput;
    } else {
      const auto todo = pending_points(*plan);
      announce_sweep(*plan, std::to_string(size) + " MPI ranks x " + std::to_string(o.jobs) + " at a time");
      SweepProgress progress(todo.size());
      finalize = Coordinator(*plan, o, size, progress).run(todo);
      progress.finish();
      code = finish_sweep(*plan, progress);
    }
  }
  if (!finalize) {
    // Everything is written; MPI_Finalize would wait for the lost rank. mpirun --enable-recovery accepts this.
    std::cout.flush();
    std::cerr.flush();
    _exit(code);
  }
  MPI_Finalize();
  return code;
}

}  // namespace svasim
