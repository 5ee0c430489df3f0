#include "sweep/mpi/sweep_coordinator.hpp"

#include <algorithm>
#include <iostream>
#include <thread>

#include "core/results.hpp"

namespace svasim::mpi {

namespace fs = std::filesystem;
using nlohmann::json;

Coordinator::Coordinator(const SweepOptions& o, int ranks, Outbox& out)
    : o_(o), ranks_(static_cast<std::size_t>(ranks)), out_(out) {
  for (int r = 0; r < ranks; ++r) ranks_[static_cast<std::size_t>(r)].name = "rank " + std::to_string(r);
}

void Coordinator::run(SweepPlan& plan, const std::vector<std::size_t>& todo, SweepProgress& progress) {
  plan_ = &plan;
  progress_ = &progress;
  local_.emplace(plan.spec.time_limit_s);
  queue_.assign(todo.begin(), todo.end());
  unresolved_ = todo.size();
  while (unresolved_ > 0) {
    bool busy = false;
    tick();
    while (auto m = in_.next()) {
      busy = true;
      on_message(*m);
    }
    for (const PointOutcome& e : local_->poll()) {
      busy = true;
      local_running_.erase(e.index);
      if (e.state != PointState::done && under_way_elsewhere(e.index, nullptr)) continue;
      resolve(e.index, e.state, e.detail, e.seconds, "rank 0");
    }
    find_lost_ranks(false);
    busy |= assign();
    heartbeats();
    out_.progress();
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Attempts still running here duplicate settled points: stop them, and drop what they had half-written.
  for (const auto& [index, pid] : local_->kill_all())
    std::filesystem::remove(point_file(plan.dir, plan.all[index]).string() + ".tmp." + std::to_string(pid));
  local_running_.clear();
}

void Coordinator::keep_alive() {
  while (auto m = in_.next()) on_message(*m);
  heartbeats();
  out_.progress();
}

bool Coordinator::shut_down() {
  for (std::size_t r = 1; r < ranks_.size(); ++r) out_.post(json(), static_cast<int>(r), kStop);
  // Every rank answers with a bye; what it sends before is read and dropped. A lost rank gets one more
  // --rank-timeout to show it was only slow: if it does, every rank can finalize.
  for (auto& r : ranks_)
    if (!r.lost) r.silent_s = 0;
  grace_left_s_ = o_.rank_timeout_s;
  auto waiting = [&] {
    for (std::size_t r = 1; r < ranks_.size(); ++r)
      if (!ranks_[r].said_bye && (!ranks_[r].lost || grace_left_s_ > 0)) return true;
    return false;
  };
  while (waiting()) {
    bool busy = false;
    tick();
    while (auto m = in_.next()) {
      busy = true;
      on_message(*m);
    }
    find_lost_ranks(true);
    heartbeats();
    out_.progress();
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const bool finalize = std::none_of(ranks_.begin(), ranks_.end(), [](const Rank& r) { return r.lost; });
  // Everything a rank sent came before its bye; what is still arriving is completed before finalizing.
  in_.complete([&](int r) { return ranks_[static_cast<std::size_t>(r)].lost; });
  for (std::size_t r = 1; r < ranks_.size(); ++r) out_.post(json{{"finalize", finalize}}, static_cast<int>(r), kFinish);
  out_.drain([&](int r) { return ranks_[static_cast<std::size_t>(r)].lost; });
  return finalize;
}

void Coordinator::tick() {
  const double dt = awake_.tick();
  for (auto& r : ranks_) r.silent_s += dt;
  grace_left_s_ -= dt;
}

void Coordinator::on_message(const Message& m) {
  Rank& r = ranks_[static_cast<std::size_t>(m.from)];
  r.silent_s = 0;
  if (r.lost) {
    r.lost = false;
    note("svasim sweep: " + r.name + " answered again: it was only slow");
  }
  if (m.tag == kHello) {
    r.slots = m.body.at("slots").get<int>();
    r.name = "rank " + std::to_string(m.from) + " (" + m.body.at("host").get<std::string>() + ", pid " +
             std::to_string(m.body.at("pid").get<long>()) + ")";
    if (m.body.contains("error")) {
      r.broken = true;
      note("svasim sweep: " + r.name + " cannot run points: " + m.body["error"].get<std::string>());
    }
  } else if (m.tag == kBye) {
    r.said_bye = true;
  } else if (m.tag == kResult && plan_) {
    on_result(r, m.body);
  }
}

void Coordinator::on_result(Rank& r, const json& body) {
  const std::size_t index = body.at("index").get<std::size_t>();
  r.running.erase(index);
  if (unresolved_ == 0 || plan_->all[index].state != PointState::pending) return;  // settled by another attempt
  const PointRun& p = plan_->all[index];
  if (body.value("unstarted", false)) return give_back(r, index, body.at("detail").get<std::string>());
  auto state = static_cast<PointState>(body.at("state").get<int>());
  std::string detail = body.at("detail").get<std::string>();
  const std::string results = bytes_of(body.at("results"));
  if (state == PointState::done && !results_current(results, plan_->commit, p.hash, p.point.seed))
    return give_back(r, index, "its results do not carry this sweep's provenance (commit " + plan_->commit + ", scenario hash " +
                                   p.hash + "): is the svasim binary or the base scenario different there?");
  if (state != PointState::done && under_way_elsewhere(index, &r)) return;  // the other attempt decides
  write_text_atomically(point_log(plan_->dir, p).string(), bytes_of(body.at("log")));
  if (state == PointState::done) write_text_atomically(point_file(plan_->dir, p).string(), results);
  resolve(index, state, detail, body.at("seconds").get<double>(), r.name);
}

void Coordinator::give_back(Rank& r, std::size_t index, const std::string& why) {
  r.broken = true;
  note("svasim sweep: " + r.name + " gets no more points: " + why);
  if (!under_way_elsewhere(index, &r)) queue_.push_front(index);
  --attempts_[index];
}

void Coordinator::note(const std::string& line) {
  if (progress_)
    progress_->note(line);
  else
    std::cerr << line << "\n";
}

bool Coordinator::under_way_elsewhere(std::size_t index, const Rank* except) const {
  if (local_running_.count(index) || std::find(queue_.begin(), queue_.end(), index) != queue_.end()) return true;
  return std::any_of(ranks_.begin(), ranks_.end(),
                     [&](const Rank& r) { return &r != except && !r.lost && r.running.count(index); });
}

void Coordinator::resolve(std::size_t index, PointState state, const std::string& detail, double seconds, const std::string& where) {
  if (plan_->all[index].state != PointState::pending) return;
  record_outcome(*plan_, index, state, detail);
  --unresolved_;
  progress_->point_ended(plan_->all[index], seconds, ranks_.size() > 1 ? where : "");
}

void Coordinator::find_lost_ranks(bool all_must_answer) {
  for (std::size_t k = 1; k < ranks_.size(); ++k) {
    Rank& r = ranks_[k];
    if (r.lost || (!all_must_answer && r.running.empty()) || (all_must_answer && r.said_bye)) continue;
    if (r.silent_s < o_.rank_timeout_s) continue;
    r.lost = true;
    note("svasim sweep: " + r.name + " silent for " + std::to_string(static_cast<int>(o_.rank_timeout_s)) + " s: counted as lost");
    if (!plan_ || unresolved_ == 0) continue;
    for (std::size_t index : r.running) {
      const PointRun& p = plan_->all[index];
      if (p.state != PointState::pending || under_way_elsewhere(index, &r)) continue;
      if (attempts_[index] < 2) {
        queue_.push_front(index);
        note("svasim sweep: " + p.point.id + " was running on it: back in the queue");
      } else {
        const std::string why = "lost with its rank twice, last " + r.name;
        write_text_atomically(point_log(plan_->dir, p).string(), why + "\n");
        resolve(index, PointState::failed, why, 0, r.name);
      }
    }
  }
}

void Coordinator::heartbeats() {
  if (seconds_since(last_heartbeat_) < std::max(0.1, o_.rank_timeout_s / 4) && heartbeat_sent_) return;
  heartbeat_sent_ = true;
  last_heartbeat_ = Clock::now();
  // Lost ranks too: one that was only slow must not take rank 0 for gone when it wakes up.
  for (std::size_t r = 1; r < ranks_.size(); ++r) out_.post(json(), static_cast<int>(r), kHeartbeat);
}

std::optional<std::size_t> Coordinator::next_point() {
  while (!queue_.empty()) {
    const std::size_t i = queue_.front();
    queue_.pop_front();
    if (plan_->all[i].state == PointState::pending) return i;  // a slow rank may have settled it meanwhile
  }
  return std::nullopt;
}

bool Coordinator::assign() {
  bool any = false;
  // A point goes to a slot whose rank is not already running it (a slow rank's attempt may still be).
  std::vector<std::size_t> passed;
  auto give_back_passed = [&] { queue_.insert(queue_.begin(), passed.begin(), passed.end()); };
  while (local_->running() < static_cast<std::size_t>(o_.jobs)) {
    const auto i = next_point();
    if (!i) break;
    if (local_running_.count(*i)) {
      passed.push_back(*i);
      continue;
    }
    const PointRun& p = plan_->all[*i];
    ++attempts_[*i];
    local_->start(*i, point_run_args(plan_->spec.base, p.point, point_file(plan_->dir, p), plan_->spec.simgrid_args), point_log(plan_->dir, p).string());
    local_running_.insert(*i);
    any = true;
  }
  for (std::size_t k = 1; k < ranks_.size(); ++k) {
    Rank& r = ranks_[k];
    while (r.free() > 0) {
      const auto i = next_point();
      if (!i) break;
      if (r.running.count(*i)) {
        passed.push_back(*i);
        continue;
      }
      const PointRun& p = plan_->all[*i];
      json sets = json::array();
      for (const auto& [path, value] : p.point.sets) sets.push_back({path, value});
      if (r.running.empty()) r.silent_s = 0;  // its silence counts from now
      out_.post({{"index", *i}, {"id", p.point.id}, {"seed", p.point.seed}, {"base", plan_->spec.base}, {"simgrid_args", plan_->spec.simgrid_args}, {"sets", sets},
                 {"time_limit_s", plan_->spec.time_limit_s}},
                static_cast<int>(k), kAssign);
      ++attempts_[*i];
      r.running.insert(*i);
      any = true;
    }
  }
  give_back_passed();
  return any;
}

}  // namespace svasim::mpi
