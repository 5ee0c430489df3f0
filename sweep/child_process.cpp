#include "sweep/child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string_view>
#include <climits>
#include <stdexcept>
#include <string>

extern char** environ;

namespace svasim {

namespace {
volatile sig_atomic_t g_child = 0;   // the child run_self() waits for, if any
volatile sig_atomic_t g_signal = 0;  // a termination signal a TerminationGuard caught
constexpr int kGuarded[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];

extern "C" void on_termination(int sig) {
  g_signal = sig;
  if (g_child > 0) kill(static_cast<pid_t>(g_child), SIGKILL);  // async-signal-safe
}

std::string& child_executable() {
  static std::string path;
  return path;
}

std::string self_path() {
  if (!child_executable().empty()) return child_executable();
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the svasim executable (/proc/self/exe)");
  return std::string(buf, static_cast<std::size_t>(n));
}
// This executable, an argv and an environment for it; owns the strings they point into. The environment
// names this process as the parent, so the child dies with it (see die_with_parent).
struct SelfCommand {
  std::string exe;
  std::vector<std::string> all, env;
  std::vector<char*> argv, envp;
  explicit SelfCommand(const std::vector<std::string>& args) : exe(self_path()), all{exe} {
    all.insert(all.end(), args.begin(), args.end());
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string key = std::string(kParentPidVariable) + "=";
    for (char** e = environ; *e; ++e)
      if (std::string_view(*e).substr(0, key.size()) != key) env.emplace_back(*e);
    env.push_back(key + std::to_string(getpid()));
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};
}  // namespace

void set_child_executable(const std::string& path) { child_executable() = path; }

bool die_with_parent() {
  const char* parent = std::getenv(kParentPidVariable);
  if (!parent) return true;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  return getppid() == static_cast<pid_t>(std::atoll(parent));  // else the parent died before prctl
}

ChildResult run_self(const std::vector<std::string>& args, bool capture_stdout) {
  SelfCommand cmd(args);
  const std::string& exe = cmd.exe;
  std::vector<char*>& argv = cmd.argv;

  int pipefd[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (capture_stdout) {
    if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipefd[0]);
    posix_spawn_file_actions_addclose(&actions, pipefd[1]);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), cmd.envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe);
  g_child = pid;
  if (g_signal) kill(pid, SIGKILL);  // the signal came while it was starting

  ChildResult result;
  if (capture_stdout) {
    close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) result.out.append(buf, static_cast<std::size_t>(n));
    close(pipefd[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int spawn_self(const std::vector<std::string>& args, const std::string& log_file) {
  SelfCommand cmd(args);
  const std::string& exe = cmd.exe;
  std::vector<char*>& argv = cmd.argv;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), cmd.envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe);
  return pid;
}

int run_program(const std::vector<std::string>& args, const std::string& stderr_file) {
  if (args.empty()) throw std::logic_error("run_program without a program");
  std::vector<std::string> all = args;
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  // posix_spawnp: found on PATH like a shell would, but the arguments are never parsed by a shell.
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TerminationGuard::TerminationGuard() {
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_termination;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kGuarded[i], &sa, &g_previous[i]);
}

TerminationGuard::~TerminationGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kGuarded[i], &g_previous[i], nullptr);
}

bool TerminationGuard::requested() const { return g_signal != 0; }

void TerminationGuard::die() const {
  const int sig = g_signal ? g_signal : SIGTERM;
  signal(sig, SIG_DFL);
  raise(sig);
  _exit(128 + sig);
}

}  // namespace svasim
