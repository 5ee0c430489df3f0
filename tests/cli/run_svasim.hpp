#pragma once
// Runs the svasim binary as a child process, the way a user does, for the end-to-end tests.
// No shell is involved: arguments reach svasim exactly as given. stdout and stderr are captured into
// files of a per-test temporary directory and read back whole.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace svasim::cli_test {

namespace fs = std::filesystem;

// A fresh directory under the system temporary directory, removed with everything in it on destruction.
class TempDir {
public:
  TempDir() {
    static int counter = 0;
    const fs::path base = fs::temp_directory_path();
    for (int attempt = 0; attempt < 1000; ++attempt) {
      fs::path p = base / ("svasim-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
      std::error_code ec;
      if (fs::create_directory(p, ec)) {
        path_ = p;
        return;
      }
    }
    throw std::runtime_error("cannot create a temporary directory under " + base.string());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

private:
  fs::path path_;
};

struct RunResult {
  int exit_code = -1;    // -1 if the child did not exit normally
  int term_signal = 0;   // the signal that ended it, if one did
  bool timed_out = false;
  std::string program = "svasim";
  std::vector<std::string> args;
  std::string out;       // everything it wrote to stdout
  std::string err;       // everything it wrote to stderr

  // For failure messages: the command and what it printed.
  std::string describe() const {
    std::ostringstream o;
    o << program;
    for (const auto& a : args) o << " '" << a << "'";
    o << "\n  exit code " << exit_code;
    if (term_signal) o << " (killed by signal " << term_signal << " " << strsignal(term_signal) << ")";
    if (timed_out) o << " (timed out)";
    o << "\n  stdout (" << out.size() << " bytes): " << out.substr(0, 2000)
      << "\n  stderr (" << err.size() << " bytes): " << err.substr(0, 2000);
    return o.str();
  }
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string source_path(const std::string& relative) { return std::string(SVASIM_SOURCE_DIR) + "/" + relative; }

// Every file under `dir` (relative path -> bytes): two sweep directories compare equal byte for byte.
inline std::map<std::string, std::string> tree_of(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_file(e.path());
  return files;
}

// Starts `program` with `args` in the background, stdin from /dev/null, stdout and stderr into the files
// (stdout left alone if `out_file` is empty); the caller waits for it.
inline pid_t start_program(const std::string& program, const std::vector<std::string>& args, const fs::path& out_file,
                           const fs::path& err_file) {
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!out_file.empty())
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + all[0] + ": " + std::strerror(rc));
  return pid;
}

inline pid_t start_svasim(const std::vector<std::string>& args, const fs::path& err_file) {
  return start_program(SVASIM_BINARY, args, {}, err_file);
}

// Live processes whose command line mentions `text` (e.g. a sweep's output directory): what a killed
// sweep may have left running.
inline std::vector<int> processes_mentioning(const std::string& text) {
  std::vector<int> pids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::ostringstream cmd;
    cmd << in.rdbuf();
    std::ifstream st(e.path() / "stat");
    std::string stat;
    std::getline(st, stat);
    const auto close = stat.rfind(')');
    const bool zombie = close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
    if (!zombie && cmd.str().find(text) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

// Kills the background svasim `pid` and waits (up to 2 s) until no process mentioning `text` is left;
// returns those still there.
inline std::vector<int> kill_and_wait_for_leftovers(pid_t pid, const std::string& text) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::vector<int> left = processes_mentioning(text);
  for (int i = 0; i < 200 && !left.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    left = processes_mentioning(text);
  }
  return left;
}

// A deadline for a child of this test, stretched by SVASIM_TEST_TIMEOUT_SCALE (scripts/test --sanitize
// sets it: sanitized binaries with SimGrid's thread contexts run many times slower).
inline int timeout_scale() {
  const char* scale = std::getenv("SVASIM_TEST_TIMEOUT_SCALE");
  return scale ? std::max(1, std::atoi(scale)) : 1;
}
inline std::chrono::milliseconds scaled_timeout(std::chrono::milliseconds timeout) { return timeout * timeout_scale(); }

// Polls `done` every 10 ms until it holds or `timeout` (scaled) passes; whether it held.
template <class Done>
bool wait_until(Done done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + scaled_timeout(timeout);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Runs `program` with `args` (argv[1..]); `capture_dir` receives the stdout/stderr capture files
// (give each call its own directory, or reuse one: the files are overwritten). The child is killed
// after `timeout`.
inline RunResult run_program(const std::string& program, const std::vector<std::string>& args, const fs::path& capture_dir,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  RunResult r;
  r.program = program == SVASIM_BINARY ? "svasim" : program;
  r.args = args;
  fs::create_directories(capture_dir);
  const fs::path out_file = capture_dir / "svasim.stdout";
  const fs::path err_file = capture_dir / "svasim.stderr";

  const pid_t pid = start_program(program, args, out_file, err_file);

  const auto deadline = std::chrono::steady_clock::now() + scaled_timeout(timeout);
  auto pause = std::chrono::microseconds(200);
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() > deadline && !r.timed_out) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);  // our own child, by its pid
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  r.out = read_file(out_file);
  r.err = read_file(err_file);
  return r;
}

inline RunResult run_svasim(const std::vector<std::string>& args, const fs::path& capture_dir,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  return run_program(SVASIM_BINARY, args, capture_dir, timeout);
}

}  // namespace svasim::cli_test
