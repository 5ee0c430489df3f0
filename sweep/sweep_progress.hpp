#pragma once
// What a sweep tells its user while it runs: a progress bar with ETA on a terminal, one line per point
// otherwise (logs, CI, mpirun's forwarded stderr). Failures are always a line of their own.
#include <chrono>
#include <string>

#include "sweep/sweep_plan.hpp"

namespace svasim {

class SweepProgress {
public:
  explicit SweepProgress(std::size_t todo);
  // `where` names the rank or host that ran it, when there are several ("" for the local backend).
  void point_ended(const PointRun& p, double seconds, const std::string& where);
  void note(const std::string& line);  // an event worth a line of its own (a lost rank, a retry)
  void finish();
  double elapsed() const;

private:
  std::size_t todo_, finished_ = 0;
  bool tty_;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace svasim
