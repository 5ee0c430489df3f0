#pragma once
// A scenario file turned into checked, typed data. Loading order: parse -> --set/--profile/--seed
// overrides -> JSON Schema (shape, unknown keys) -> meaning (names resolve, topology rules, parameter
// ranges). Any problem is an InputError naming the JSON path; nothing runs and nothing is written.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/unmap_kind.hpp"
#include "core/params.hpp"
#include "core/random.hpp"
#include "core/topology.hpp"

namespace svasim {

// Churn is expanded into bind events when the scenario loads: at most this many per process.
inline constexpr std::size_t kMaxChurnEvents = 1000000;

// An integer distribution: constant, uniform [lo, hi], powers of two in [lo, hi], or weighted choice.
struct Distribution {
  enum class Kind { constant, uniform, log2_uniform, choice } kind = Kind::constant;
  std::uint64_t lo = 0, hi = 0;
  std::vector<std::uint64_t> values;
  std::vector<double> cumulative_weights;
  std::uint64_t sample(RandomStream& rng) const;
  std::uint64_t max_value() const;  // the largest value sample() can return
  static Distribution from_json(const nlohmann::json& j, const std::string& path);
};

struct BindEvent {
  int device = 0;  // topology device index
  double at_ns = 0;
  double unbind_at_ns = -1;  // < 0: bound to the end
};

// The mapped region devices work in. Presence is tracked per mapping (4 KiB or 2 MiB page).
struct Memory {
  std::uint64_t pages = 262144;  // 4 KiB units (1 GiB)
  unsigned page_shift = 12;      // 12: 4 KiB pages; 21: 2 MiB pages
};

struct Process {
  std::string name;
  std::vector<BindEvent> binds;  // sorted by time, stable; none at or after the exit
  Memory memory;
  double exit_at_ns = -1;  // < 0: runs to the end; else its mm is released then (exit_mmap)
  // When the process stops issuing unmaps and DMA: its exit, or the end of the run.
  double end_ns(double duration_ns) const { return exit_at_ns >= 0 && exit_at_ns < duration_ns ? exit_at_ns : duration_ns; }
};

struct UnmapStream {
  int process = 0;
  int cpu = 0;
  enum class Arrival { periodic, poisson, times } arrival = Arrival::periodic;
  double interval_ns = 0;          // periodic: the period; poisson: the mean gap
  double start_ns = 0;
  std::vector<double> at_ns;       // times
  std::int64_t count = -1;         // -1: until the scenario duration
  Distribution pages;
  Distribution start_page;
  bool full_range = false;
  double retouch_after_ns = -1;    // < 0: the thread never touches the pages again
  UnmapKind kind = UnmapKind::munmap;
};

// Where a device's requests go, in bytes within the working set (see models/workload/access_pattern.hpp).
struct DmaPattern {
  std::string kind = "uniform";
  std::uint64_t offset_bytes = 0;       // working set start within the process memory
  std::uint64_t working_set_bytes = 0;
  double zipf_s = 0.99;
  std::uint64_t window_bytes = 0, window_step_bytes = 0, window_step_requests = 1;
};

struct DmaStream {
  std::vector<int> devices;          // topology device indexes, each with its own traffic
  int process = 0;
  std::uint64_t request_bytes = 64;
  double read_fraction = 1.0;
  int queue_depth = 1;               // closed loop (when rate_per_ns == 0)
  double rate_per_ns = 0;            // open loop: Poisson arrivals
  double start_ns = 0;
  std::int64_t count = -1;           // per device; -1: until the scenario duration
  DmaPattern pattern;
};

struct Overrides {
  std::vector<std::pair<std::string, std::string>> set;  // --set PATH=VALUE, in order
  std::optional<std::string> profile;
  std::optional<std::uint64_t> seed;
};

struct Scenario {
  std::string file;       // as given by the user, for messages
  std::string name;
  std::uint64_t seed = 1;
  double duration_ns = 1e6;
  double warmup_ns = 0;   // DMA statistics count requests due from then on
  std::string platform;   // the platform preset, if named (models/platform)
  std::string profile;    // may be empty when models are given separately
  std::string domain_model;
  std::string flush_model;
  std::string queue_model;
  std::string arch_model;   // the CPU's TLB flush path (models/mm): what the notifier is told
  std::string environment;  // the registered default (bare-metal) unless named
  Params params;
  Topology topology;
  std::vector<Process> processes;
  std::vector<UnmapStream> unmaps;
  std::vector<DmaStream> dma;
  nlohmann::json effective;  // the document after overrides, with the topology expanded
  std::string hash;          // "fnv1a64:<16 hex>" of effective.dump()
  // The same of the effective scenario without what names the kernel behaviour and the machine (name,
  // description, profile, models, environment, platform, params): two runs with equal workload hashes
  // ran the same workload on the same topology with the same seed, so comparing them is fair.
  std::string workload_hash;
};

// Needs the models linked (they register themselves). Throws InputError; the CLI prefixes the file name.
Scenario load_scenario(const std::string& file, const Overrides& overrides = {});
Scenario scenario_from_json(nlohmann::json doc, const std::string& file, const Overrides& overrides = {});

// "a.b.0.c" or "/a/b/0/c" -> JSON Pointer; value parsed as JSON, else taken as a string.
void apply_set_override(nlohmann::json& doc, const std::string& path, const std::string& value);

}  // namespace svasim
