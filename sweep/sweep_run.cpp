// The steps every sweep backend shares, and the local backend: child processes on this machine.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "sweep/point_pool.hpp"
#include "sweep/sweep_run.hpp"
#include "sweep/sweep_tables.hpp"

namespace svasim {

nlohmann::json sweep_options_json(const SweepOptions& o) {
  return {{"spec", o.spec},        {"output", o.output},   {"jobs", o.jobs},
          {"jobs_given", o.jobs_given}, {"resume", o.resume}, {"backend", o.backend},
          {"shard", {o.shard.index, o.shard.count}}, {"rank_timeout_s", o.rank_timeout_s}};
}

SweepOptions sweep_options_from_json(const nlohmann::json& j) {
  SweepOptions o;
  o.spec = j.at("spec").get<std::string>();
  o.output = j.at("output").get<std::string>();
  o.jobs = j.at("jobs").get<int>();
  o.jobs_given = j.at("jobs_given").get<bool>();
  o.resume = j.at("resume").get<bool>();
  o.backend = j.at("backend").get<std::string>();
  o.shard = {j.at("shard").at(0).get<int>(), j.at("shard").at(1).get<int>()};
  o.rank_timeout_s = j.at("rank_timeout_s").get<double>();
  return o;
}

int launcher_world_size() {
  // Open MPI, then PMIx launchers (srun, mpich's hydra) and PMI-1.
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(var)) return std::max(1, std::atoi(v));
  return 1;
}

std::optional<SweepPlan> prepare_sweep(const SweepOptions& o) {
  auto plan = plan_sweep(o.spec, o.shard, o.simgrid_args);
  if (!plan || !open_sweep_dir(*plan, o.output, o.resume)) return std::nullopt;
  return plan;
}

std::vector<std::size_t> pending_points(const SweepPlan& plan) {
  std::vector<std::size_t> todo;
  for (std::size_t i : plan.mine())
    if (plan.all[i].state != PointState::done) todo.push_back(i);
  return todo;
}

void announce_sweep(const SweepPlan& plan, const std::string& how) {
  const auto mine = plan.mine();
  std::cerr << "svasim sweep: " << mine.size() << " points";
  if (!plan.shard.whole())
    std::cerr << " (shard " << plan.shard.index << "/" << plan.shard.count << " of " << plan.all.size() << ")";
  std::cerr << " (" << mine.size() - pending_points(plan).size() << " already done), " << how << ", results in "
            << plan.dir.string() << "\n";
}

void record_outcome(SweepPlan& plan, std::size_t index, PointState state, const std::string& detail) {
  PointRun& p = plan.all[index];
  p.state = state;
  p.detail = detail;
  if (state == PointState::failed) p.detail += ", log " + point_log(plan.dir, p).string();
}

int finish_sweep(const SweepPlan& plan, const SweepProgress& progress) {
  const auto mine = plan.mine();
  const int code = write_sweep_tables(plan, mine);
  std::size_t bad = 0;
  for (std::size_t i : mine) bad += plan.all[i].state == PointState::done ? 0 : 1;
  std::cerr << "svasim sweep: " << mine.size() - bad << " of " << mine.size() << " points done in "
            << clock_text(progress.elapsed()) << "; " << (plan.dir / "results.csv").string() << ", "
            << (plan.dir / "results.jsonl").string() << "\n";
  return code;
}

void run_points_local(SweepPlan& plan, const std::vector<std::size_t>& todo, int jobs, SweepProgress& progress) {
  PointPool pool(plan.spec.time_limit_s);
  std::size_t next = 0;
  while (next < todo.size() || pool.running() > 0) {
    while (next < todo.size() && pool.running() < static_cast<std::size_t>(jobs)) {
      const PointRun& p = plan.all[todo[next]];
      pool.start(todo[next], point_run_args(plan.spec.base, p.point, point_file(plan.dir, p), plan.spec.simgrid_args), point_log(plan.dir, p).string());
      ++next;
    }
    const auto ended = pool.poll();
    for (const PointOutcome& e : ended) {
      record_outcome(plan, e.index, e.state, e.detail);
      progress.point_ended(plan.all[e.index], e.seconds, "");
    }
    if (ended.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // points can be short: poll often
  }
}

}  // namespace svasim
