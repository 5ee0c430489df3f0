#pragma once
// What every sweep backend shares: the expanded and validated points, the output directory, the resume
// rule and the manifest (sweep.json) that lets `svasim merge` join shard directories without the spec.
// The backends (app/sweep_local.cpp, app/sweep_mpi.cpp) only decide where each point's process runs.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sweep/sweep_spec.hpp"

namespace svasim {

enum class PointState { pending, done, failed, timed_out, missing };

// "ok", "failed", "timeout", "missing": the status column of results.csv and results.jsonl.
const char* status_text(PointState s);

struct PointRun {
  SweepPoint point;
  std::string hash;  // the effective scenario's, as the child will report it
  PointState state = PointState::pending;
  std::string detail;
};

// A deterministic share of the points for schedulers without MPI: point k belongs to shard k mod count.
// Interleaving rather than blocks spreads the costly end of every axis over all shards.
struct Shard {
  int index = 0;
  int count = 1;
  bool whole() const { return count == 1; }
  bool owns(std::size_t point_index) const { return static_cast<int>(point_index % static_cast<std::size_t>(count)) == index; }
};

// "I/N" with 0 <= I < N; nullopt otherwise.
std::optional<Shard> parse_shard(const std::string& text);

struct SweepPlan {
  SweepSpec spec;
  std::vector<std::string> axis_paths;  // the CSV's axis columns, in axis order
  std::vector<PointRun> all;            // every point of the spec, in id order
  Shard shard;
  std::string commit;  // the build that runs (or ran, for a merge) the points
  std::filesystem::path dir;
  std::vector<std::size_t> mine() const;  // indices into `all` this shard runs
};

// Loads the spec and checks every point as a scenario before anything runs. On bad input prints
// "svasim: error: FILE: PATH: MESSAGE" and returns nullopt (exit code 2).
std::optional<SweepPlan> plan_sweep(const std::string& spec_file, Shard shard,
                                    const std::vector<std::string>& simgrid_args = {});

// Creates DIR/points and DIR/logs and writes the manifest. Refuses (message, false) a directory that
// already holds points unless `resume`; with it, marks the points whose stored results are current.
// One sweep (or merge) writes a directory at a time: a second one (another terminal, a job started twice)
// would run every point again beside the first. The lock is an flock on DIR/.lock, held until this process
// ends (released by the kernel even when it is killed); children do not inherit it. False when another
// process holds it.
bool lock_sweep_dir(const std::filesystem::path& dir);
bool open_sweep_dir(SweepPlan& plan, const std::string& dir, bool resume);

// A stored point counts only if it was made by this build (`commit`) from this effective scenario and seed,
// and reads as results (anything else is run again).
bool results_current(const std::string& bytes, const std::string& commit, const std::string& hash, std::uint64_t seed);
// The same, for `svasim merge`, which refuses rather than skips a point file of this format version that does
// not read as results (somebody's edit): throws InputError ("FILE: /json/path: message").
bool stored_results_current(const std::string& bytes, const std::string& file, const std::string& commit,
                            const std::string& hash, std::uint64_t seed);
bool stored_and_current(const std::filesystem::path& file, const PointRun& p);

// The argv of the child `svasim run` for one point; the same on every backend and host, so that a
// point's results are the same bytes wherever it ran (the output path is not in the results).
std::vector<std::string> point_run_args(const std::string& base, const SweepPoint& p, const std::filesystem::path& out,
                                        const std::vector<std::string>& simgrid_args);

std::filesystem::path point_file(const std::filesystem::path& dir, const PointRun& p);
std::filesystem::path point_log(const std::filesystem::path& dir, const PointRun& p);

// sweep.json: the build, the axes and every point with its seed and scenario hash; the shard if any.
nlohmann::json sweep_manifest(const SweepPlan& plan);
// The inverse, for `svasim merge`; throws InputError with a JSON path.
SweepPlan plan_from_manifest(const nlohmann::json& m);

// The whole file, or "" if it cannot be read.
std::string read_whole_file(const std::filesystem::path& file);

}  // namespace svasim
