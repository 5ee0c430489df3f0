#pragma once
// Child `svasim run` processes of a sweep, each point in its own process (SimGrid's one engine per
// process), with the spec's time limit: a point over it is killed and reported, the others go on.
// Used by the local backend for all its slots and by every MPI rank for its own.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sweep/sweep_plan.hpp"

namespace svasim {

struct PointOutcome {
  std::size_t index = 0;   // the caller's point index, as given to start()
  PointState state = PointState::failed;
  std::string detail;      // why it failed: exit code, signal or time limit
  double seconds = 0;
};

class PointPool {
public:
  explicit PointPool(double time_limit_s) : time_limit_s_(time_limit_s) {}
  ~PointPool() { kill_all(); }
  PointPool(const PointPool&) = delete;
  PointPool& operator=(const PointPool&) = delete;

  void start(std::size_t index, const std::vector<std::string>& args, const std::string& log_file);
  std::size_t running() const { return running_.size(); }
  // The points that ended since the last call; kills those past the time limit (reported once they end).
  std::vector<PointOutcome> poll();
  // Kills and reaps every running point; returns their (index, pid).
  std::vector<std::pair<std::size_t, int>> kill_all();

private:
  struct Child {
    std::size_t index;
    std::chrono::steady_clock::time_point started;
    bool over_limit = false;
  };
  double time_limit_s_;
  std::map<int, Child> running_;
};

// "00:01:05"
std::string clock_text(double seconds);

}  // namespace svasim
