#include "engine/simgrid_flags.hpp"

#include <simgrid/s4u.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/suggest.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

const std::set<std::string> kLogKeys = {"thres", "threshold", "fmt", "app", "appender", "add", "additivity"};
const std::set<std::string> kLevels = {"trace", "debug", "verbose", "info", "warning", "error", "critical"};

void check_syntax(const std::string& a) {
  if (a.rfind("--cfg=", 0) == 0) {
    const std::string body = a.substr(6);
    const auto colon = body.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == body.size())
      throw InputError("--cfg", "expects --cfg=NAME:VALUE, got \"" + a + "\"");
    return;
  }
  std::istringstream settings(a.substr(6));  // --log= takes space-separated settings
  for (std::string s; settings >> s;) {
    if (s == "no_loc") continue;
    const auto dot = s.find('.'), colon = s.find(':');
    if (dot == std::string::npos || colon == std::string::npos || dot == 0 || colon < dot || colon + 1 == s.size())
      throw InputError("--log", "expects --log=CATEGORY.thres:LEVEL (or .fmt:, .app:, .add:), got \"" + s + "\"");
    const std::string key = s.substr(dot + 1, colon - dot - 1), value = s.substr(colon + 1);
    if (!kLogKeys.count(key)) throw InputError("--log", "unknown setting \"" + key + "\" in \"" + s + "\"");
    if ((key == "thres" || key == "threshold") && !kLevels.count(value))
      throw InputError("--log", "unknown level \"" + value + "\" in \"" + s +
                                    "\" (trace, debug, verbose, info, warning, error, critical)");
  }
}

// In the probe child: an engine with the flags, a host and an actor, run to the end.
[[noreturn]] void probe(const std::vector<std::string>& args) {
  std::vector<std::string> all{"svasim", "--log=xbt_cfg.thres:warning"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(all.size());
  try {
    sg4::Engine e(&argc, argv.data());
    auto* zone = sg4::create_full_zone("probe");
    auto* host = zone->create_host("probe", 1e9);
    zone->seal();
    sg4::Actor::create("probe", host, [] { sg4::this_actor::sleep_for(1e-9); });
    e.run();
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "%s\n", ex.what());
    std::fflush(stderr);
    _exit(3);
  }
  _exit(0);
}

// Runs the probe in a child with `args`; returns its exit status and everything it printed.
std::pair<int, std::string> run_probe(const std::vector<std::string>& args) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return {0, ""};  // cannot probe: SimGrid judges at the run
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    dup2(pipefd[1], STDERR_FILENO);
    dup2(pipefd[1], STDOUT_FILENO);
    probe(args);
  }
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  if (pid < 0) return {0, ""};
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {status, out};
}

// The log categories this binary has, as SimGrid's --help-log-categories prints them ("\_ name: ...").
std::set<std::string> log_categories() {
  std::set<std::string> names;
  std::istringstream in(run_probe({"--help-log-categories"}).second);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto start = line.find_last_of(' ', colon);
    start = start == std::string::npos ? 0 : start + 1;
    names.insert(line.substr(start, colon - start));
  }
  return names;
}

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace

void check_simgrid_flags(const std::vector<std::string>& args) {
  if (args.empty()) return;
  std::vector<std::string> categories;
  for (const auto& a : args) {
    check_syntax(a);
    if (a.rfind("--log=", 0) != 0) continue;
    std::istringstream settings(a.substr(6));
    for (std::string s; settings >> s;)
      if (s != "no_loc") categories.push_back(s.substr(0, s.find('.')));
  }
  const auto [status, out] = run_probe(args);
  const bool cfg = std::any_of(args.begin(), args.end(), [](const std::string& a) { return a.rfind("--cfg=", 0) == 0; });
  std::string all;
  for (const auto& a : args) all += (all.empty() ? "" : " ") + a;
  if (WIFSIGNALED(status))
    throw InputError(cfg ? "--cfg" : "--log", "SimGrid crashed on \"" + all + "\" (signal " +
                                                  std::to_string(WTERMSIG(status)) + "): " + last_line(out));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InputError(cfg ? "--cfg" : "--log", "SimGrid rejected \"" + all + "\": " + last_line(out));
  // SimGrid keeps a setting for an unknown category in case one appears later: a typo is silently ignored.
  if (categories.empty()) return;
  const std::set<std::string> known = log_categories();
  if (known.empty()) return;  // the probe could not list them
  for (const auto& c : categories)
    if (!known.count(c))
      throw InputError("--log", "unknown log category \"" + c + "\"" +
                                    did_you_mean(c, std::vector<std::string>(known.begin(), known.end())) +
                                    " (the svasim_* categories are listed in the README; --help-log-categories is "
                                    "SimGrid's full tree)");
}

}  // namespace svasim
