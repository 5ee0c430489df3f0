#pragma once
// The svasim subcommands. Each returns the process exit code: 0 success, 1 failure of the run,
// 2 bad input (scenario, --set, option values), with the message already printed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/sweep_plan.hpp"
#include "engine/scenario.hpp"

namespace svasim {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

struct ScenarioOptions {
  std::string file;
  std::vector<std::string> set;  // PATH=VALUE
  std::optional<std::uint64_t> seed;
  std::vector<std::string> profiles;  // empty: the scenario's own
  Overrides overrides(const std::optional<std::string>& profile) const;  // throws InputError for a bad --set
  std::vector<std::string> child_args() const;  // --set/--seed forwarded to a child run
};

struct RunOptions {
  ScenarioOptions scenario;
  std::string output;  // results file (one profile) or directory (several)
  bool quiet = false;  // no table on stdout
};

struct SweepOptions {
  std::string spec;
  std::string output;
  int jobs = 1;             // points at once: on this machine (local), or per rank (mpi)
  bool jobs_given = false;  // -j on the command line; under MPI the default is 1 per rank
  bool resume = false;
  std::string backend = "local";  // "local" or "mpi"
  Shard shard;                    // --shard I/N
  double rank_timeout_s = 60;     // mpi: a rank silent this long while running points is lost
};

// Loads with the options' overrides; on InputError prints "svasim: FILE: PATH: MESSAGE" and returns nullopt.
std::optional<Scenario> load_or_report(const ScenarioOptions& o, const std::optional<std::string>& profile);

int cmd_run(const RunOptions& o, const std::vector<std::string>& simgrid_args);
int cmd_validate(const ScenarioOptions& o);
int cmd_list(bool markdown);
int cmd_sweep(const SweepOptions& o);
int cmd_merge(const std::vector<std::string>& dirs, const std::string& output);
int cmd_report(const std::string& dir, const std::string& output, const std::string& html);
int cmd_compare(const std::vector<std::string>& files);
int cmd_bench(const std::string& phase, std::uint64_t unmaps, int devices, std::uint64_t sleeps, std::uint64_t comms);

}  // namespace svasim
