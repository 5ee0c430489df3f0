#pragma once
// SimGrid allows one engine per process, so every simulation beyond the first runs in a child svasim.
#include <string>
#include <vector>

namespace svasim {

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // captured stdout (only when capture was requested)
};

// Names a child's parent in its environment, so that the child can die with it.
inline constexpr const char* kParentPidVariable = "SVASIM_PARENT_PID";

// In a child: asks the kernel to kill this process when its parent dies (a killed sweep or MPI rank must
// not leave points running that nobody collects). False if the parent is already gone.
bool die_with_parent();

// The svasim executable the children run: this one unless set (svasim-mpi sets the svasim it came from).
void set_child_executable(const std::string& path);

// Runs this same executable with `args` (argv[1..]); stderr passes through; stdout is captured if asked.
ChildResult run_self(const std::vector<std::string>& args, bool capture_stdout);

// Runs another program (args[0], looked up on PATH) with an argument vector, never through a shell, its
// stderr going to `stderr_file`; returns its exit code, -1 if it could not start or died of a signal.
int run_program(const std::vector<std::string>& args, const std::string& stderr_file);

// While one lives, SIGINT, SIGTERM and SIGHUP end the child run_self() is waiting for and are remembered
// instead of ending this process at once, so that it can clean up (a temporary directory) and then die
// of the same signal with die(). One at a time.
class TerminationGuard {
public:
  TerminationGuard();
  ~TerminationGuard();
  TerminationGuard(const TerminationGuard&) = delete;
  TerminationGuard& operator=(const TerminationGuard&) = delete;
  bool requested() const;
  [[noreturn]] void die() const;  // restores the default action and raises the remembered signal
};

// Starts this executable with `args`, its stdout and stderr going to `log_file`; returns the pid at once.
int spawn_self(const std::vector<std::string>& args, const std::string& log_file);

}  // namespace svasim
