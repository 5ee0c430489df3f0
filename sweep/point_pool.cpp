#include "sweep/point_pool.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>

#include "sweep/child_process.hpp"

namespace svasim {

std::string clock_text(double seconds) {
  char buf[32];
  const long s = static_cast<long>(seconds + 0.5);
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

void PointPool::start(std::size_t index, const std::vector<std::string>& args, const std::string& log_file) {
  const int pid = spawn_self(args, log_file);
  running_[pid] = {index, std::chrono::steady_clock::now()};
}

std::vector<PointOutcome> PointPool::poll() {
  std::vector<PointOutcome> ended;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = running_.begin(); it != running_.end();) {
    int status = 0;
    const pid_t w = waitpid(it->first, &status, WNOHANG);
    const double took = std::chrono::duration<double>(now - it->second.started).count();
    if (w == 0 || (w < 0 && errno == EINTR)) {
      if (took > time_limit_s_ && !it->second.over_limit) {
        it->second.over_limit = true;
        kill(it->first, SIGKILL);
      }
      ++it;
      continue;
    }
    PointOutcome o{it->second.index, PointState::failed, {}, took};
    if (it->second.over_limit) {
      o.state = PointState::timed_out;
      o.detail = "over the " + clock_text(time_limit_s_) + " time limit";
    } else if (w > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      o.state = PointState::done;
    } else if (w > 0) {
      o.detail = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                   : "killed by signal " + std::to_string(WTERMSIG(status));
    } else {
      o.detail = "lost its process";
    }
    ended.push_back(std::move(o));
    it = running_.erase(it);
  }
  return ended;
}

std::vector<std::pair<std::size_t, int>> PointPool::kill_all() {
  std::vector<std::pair<std::size_t, int>> killed;
  for (auto& [pid, c] : running_) {
    killed.emplace_back(c.index, pid);
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  running_.clear();
  return killed;
}

}  // namespace svasim
