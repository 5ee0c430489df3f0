#include "sweep/sweep_progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "sweep/point_pool.hpp"

namespace svasim {

SweepProgress::SweepProgress(std::size_t todo)
    : todo_(todo), tty_(isatty(STDERR_FILENO)), t0_(std::chrono::steady_clock::now()) {}

double SweepProgress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

void SweepProgress::note(const std::string& line) {
  if (bar_shown_) std::cerr << "\n";
  bar_shown_ = false;
  std::cerr << line << "\n";
}

void SweepProgress::point_ended(const PointRun& p, double seconds, const std::string& where) {
  ++finished_;
  const double eta = elapsed() / static_cast<double>(finished_) * static_cast<double>(todo_ - std::min(todo_, finished_));
  const bool ok = p.state == PointState::done;
  const char* what = ok ? "ok" : p.state == PointState::timed_out ? "TIMEOUT" : "FAILED";
  const std::string on = where.empty() ? "" : " on " + where;
  if (tty_) {
    if (!ok) note(p.point.id + " " + what + on + ": " + p.detail);
    const int width = 30;
    const int filled = static_cast<int>(width * static_cast<double>(finished_) / static_cast<double>(std::max<std::size_t>(1, todo_)));
    std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), '.')
              << "] " << finished_ << "/" << todo_ << " ETA " << clock_text(eta) << "   " << std::flush;
    bar_shown_ = true;
  } else {
    std::cerr << "[" << finished_ << "/" << todo_ << "] " << p.point.id << " " << what << on << " in " << clock_text(seconds)
              << (ok ? "" : " (" + p.detail + ")") << ", ETA " << clock_text(eta) << "\n";
  }
}

void SweepProgress::finish() {
  if (bar_shown_) std::cerr << "\n";
  bar_shown_ = false;
}

}  // namespace svasim
