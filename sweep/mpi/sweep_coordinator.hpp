#pragma once
// Rank 0 of an MPI sweep: hands out the points one at a time as slots free up (self-scheduling: points
// differ in cost by orders of magnitude, so any static split leaves ranks idle), runs points itself too,
// and is the only rank that writes into -o.
//
// Losing a rank: a rank silent for --rank-timeout while it has points counts as lost and its points go
// back to the queue once (lost twice: reported failed). A lost rank that speaks again was only slow: it
// counts again, and whichever attempt of a point ends first settles it (a late failure does not override
// an attempt still under way). A rank that cannot start svasim gets no more points.
#include <deque>
#include <map>
#include <set>

#include "sweep/mpi/mpi_link.hpp"
#include "sweep/point_pool.hpp"
#include "sweep/sweep_run.hpp"

namespace svasim::mpi {

struct Rank {
  int slots = 0;                // from its hello
  std::set<std::size_t> running;
  double silent_s = 0;          // awake time since it was last heard
  bool lost = false;            // silent too long
  bool broken = false;          // cannot run points: no more assignments
  bool said_bye = false;
  std::string name;             // "rank 3 (host, pid 1234)"
  std::size_t free() const { return lost || broken ? 0 : static_cast<std::size_t>(slots) - std::min<std::size_t>(running.size(), static_cast<std::size_t>(slots)); }
};

class Coordinator {
public:
  Coordinator(const SweepOptions& o, int ranks, Outbox& out);
  // Runs `todo` of `plan` to the end, recording every outcome.
  void run(SweepPlan& plan, const std::vector<std::size_t>& todo, SweepProgress& progress);
  // While rank 0 is busy with something else (planning): tells the ranks it is there, reads their hellos.
  void keep_alive();
  // Stops every rank; returns whether all of them may call MPI_Finalize (none is lost).
  bool shut_down();

private:
  void on_message(const Message& m);
  void on_result(Rank& r, const nlohmann::json& body);
  void resolve(std::size_t index, PointState state, const std::string& detail, double seconds, const std::string& where);
  bool under_way_elsewhere(std::size_t index, const Rank* except) const;
  void find_lost_ranks(bool all_must_answer);
  void tick();  // adds this turn's awake time to every rank's silence
  void note(const std::string& line);
  void give_back(Rank& r, std::size_t index, const std::string& why);  // the rank cannot run points
  void heartbeats();
  bool assign();
  std::optional<std::size_t> next_point();

  const SweepOptions& o_;
  std::vector<Rank> ranks_;
  Outbox& out_;
  Inbox in_{MPI_ANY_SOURCE};
  SweepPlan* plan_ = nullptr;
  SweepProgress* progress_ = nullptr;
  std::optional<PointPool> local_;  // rank 0's own slots, once the time limit is known
  std::set<std::size_t> local_running_;
  std::deque<std::size_t> queue_;
  std::map<std::size_t, int> attempts_;
  std::size_t unresolved_ = 0;
  Clock::time_point last_heartbeat_ = Clock::now();
  bool heartbeat_sent_ = false;  // the first goes out at once
  AwakeClock awake_;
  double grace_left_s_ = 0;  // shutting down: awake time lost ranks still have to answer
};

}  // namespace svasim::mpi
