#pragma once
// Options every command that loads scenarios shares, and the sweep's own; exit codes. The app parses
// them (CLI11); the sweep backends use them to build their children's command lines.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "sweep/sweep_plan.hpp"

namespace svasim {

// Every command's exit code: 0 success, 1 failure of the run, 2 bad input (scenario, --set, option
// values), with the message already printed.
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

struct SweepOptions {
  std::string spec;
  std::string output;
  int jobs = 1;             // points at once: on this machine (local), or per rank (mpi)
  bool jobs_given = false;  // -j on the command line; under MPI the default is 1 per rank
  bool resume = false;
  std::string backend = "local";  // "local" or "mpi"
  Shard shard;                    // --shard I/N
  double rank_timeout_s = 60;     // mpi: a rank silent this long while running points is lost
  std::vector<std::string> simgrid_args;  // --cfg=/--log= for every point (checked before anything runs)
};

// Loads with the options' overrides; on InputError prints "svasim: FILE: PATH: MESSAGE" and returns nullopt.
std::optional<Scenario> load_or_report(const ScenarioOptions& o, const std::optional<std::string>& profile);

}  // namespace svasim
