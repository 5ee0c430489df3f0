#pragma once
// `svasim plan`: what one unmap, and the binds and unbinds around it, become on the invalidation queues
// under a scenario's models, without simulating: the mm-side notifier calls (models/mm), the domains the
// sharing model builds, each planner's submissions and each discipline's bind/unbind work. Pure; the
// same models the engine runs, so the text is exactly what a run would submit.
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "core/unmap_kind.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

// One thing the driver does, and what it puts on the queues.
struct PlanStep {
  std::string what;  // "bind nic0: new handle, domain 0 allocated", "notifier [0x0, 0x2000) on domain 0"
  FlushPlan plan;
};

struct ExploredPlan {
  std::string profile;        // empty when the scenario names models without a profile
  std::string models;         // "domain per-mm, flush vtd-qi-batch, queue vtd-qi, arch x86, bare-metal"
  std::string submit_call;    // the driver function one submission is (qi_submit_sync, ...)
  UnmapRange range;
  UnmapKind kind = UnmapKind::munmap;
  std::vector<UnmapRange> notifier_calls;  // what the architecture tells the notifier, in order
  std::vector<PlanStep> binds, unmap, unbinds;
  std::vector<PlanStep> exit;  // the process exiting instead of unbinding (mm release of each domain)
};

// The process's devices bound at time 0 (in bind order; when none is, the devices its bind events name,
// in the order first bound) are bound, `range` is unmapped by `kind`, then the devices are unbound in
// bind order; `exit` is what the process's exit would do instead of those unbinds. Throws InputError for a process without devices to bind.
ExploredPlan explore_plan(const Scenario& s, int process, const UnmapRange& range, UnmapKind kind);

// The plan as text: one line per submission, each descriptor with its fields, the wait last.
std::string format_plan(const ExploredPlan& p, const Topology& topo);

// Totals of a list of steps, for the side-by-side table.
struct PlanTotals {
  std::size_t submissions = 0, descriptors = 0, iotlb = 0, devtlb = 0, waits = 0;
};
PlanTotals totals(const std::vector<PlanStep>& steps);

}  // namespace svasim
