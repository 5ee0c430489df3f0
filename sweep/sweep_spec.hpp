#pragma once
// A sweep: a base scenario and axes of values (JSON paths into it), expanded into a grid of points, each
// replicated with its own derived seed. Pure: the runner (app/cmd_sweep) gives every point its process.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace svasim {

// The largest grid a spec may expand to (axis sizes times replications): every point is a process and a
// results file, so a million is already days of machine time.
inline constexpr std::size_t kMaxSweepPoints = 1000000;

// One axis: a path and its values, or several paths whose values vary together ("zip").
struct SweepAxis {
  std::vector<std::string> paths;
  std::vector<std::vector<nlohmann::json>> values;  // values[k][i]: path k at step i; all the same length
  std::size_t size() const { return values.empty() ? 0 : values.front().size(); }
};

struct SweepSpec {
  std::string file;       // the spec file, as given
  std::string base;       // base scenario path, resolved against the spec's directory
  std::vector<SweepAxis> axes;
  int replications = 1;
  double time_limit_s = 3600;
  // SimGrid flags (--cfg=..., --log=...) given to `svasim sweep`: passed to every point's run, part of its
  // scenario hash (so --resume keeps only points run with the same flags) and recorded in the manifest.
  std::vector<std::string> simgrid_args;
};

struct SweepPoint {
  std::string id;  // "p0000".., stable for a given spec
  std::vector<std::pair<std::string, nlohmann::json>> sets;  // path -> value, axes in order
  int replication = 0;
  std::uint64_t seed = 0;
};

// Throws InputError with a JSON path into the spec.
SweepSpec load_sweep_spec(const std::string& file);
SweepSpec sweep_spec_from_json(const nlohmann::json& j, const std::string& file);

// Replication 0 keeps the scenario's seed; others derive distinct seeds from it and their index.
std::uint64_t derive_seed(std::uint64_t base_seed, int replication);

// Cartesian product of the axes (first axis slowest), each point replicated; ids in that order.
std::vector<SweepPoint> expand(const SweepSpec& spec, std::uint64_t base_seed);

}  // namespace svasim
