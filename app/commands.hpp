#pragma once
// The svasim subcommands. Each returns the process exit code (sweep/options.hpp: kExitOk,
// kExitFailure, kExitBadInput), with the message already printed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/trace.hpp"
#include "sweep/options.hpp"

namespace svasim {

struct RunOptions {
  ScenarioOptions scenario;
  std::string output;  // results file (one profile) or directory (several)
  bool quiet = false;  // no table on stdout
  bool check = false;  // check the end-of-run invariants (always on in debug builds)
  TraceOptions trace;  // --trace FILE: the queues' work, bounded
};

struct PlanOptions {
  ScenarioOptions scenario;   // profiles empty: every registered profile
  std::string range = "0,1";  // START,PAGES (pages of the process memory) or "all"
  std::string kind = "munmap";
  std::string process;        // empty: the first
};

int cmd_run(const RunOptions& o, const std::vector<std::string>& simgrid_args);
int cmd_validate(const ScenarioOptions& o, const std::vector<std::string>& simgrid_args);
// `svasim list`: text, --markdown (docs/PARAMETERS.md), --schema scenario|sweep (the editor schemas),
// --names AXIS|param (one name per line, for completion and scripts).
struct ListOptions {
  bool markdown = false;
  std::string schema;
  std::string names;
};
int cmd_list(const ListOptions& o);
int cmd_plan(const PlanOptions& o);
int cmd_sweep(const SweepOptions& o);
int cmd_merge(const std::vector<std::string>& dirs, const std::string& output);
int cmd_report(const std::string& dir, const std::string& output, const std::string& html, const std::string& svg_dir);
int cmd_compare(const std::vector<std::string>& files, bool force);
int cmd_bench(const std::string& phase, std::uint64_t unmaps, int devices, std::uint64_t sleeps, std::uint64_t comms);

}  // namespace svasim
