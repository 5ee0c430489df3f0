#pragma once
// A flush planner turns one mmu_notifier invalidation of one SVA domain into queue submissions,
// mirroring one kernel's driver code. Pure: unit-tested without SimGrid.
#include <memory>
#include <string>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "models/flush/plan.hpp"

namespace svasim {

class FlushPlanner {
public:
  static constexpr AxisInfo kAxis{"flush", "Flush models", "models.flush", 2};
  using FactoryType = Factory<FlushPlanner, const Params&>;
  static FactoryType& factory() { return FactoryType::instance(); }
  virtual ~FlushPlanner() = default;
  // Appends the submissions for `range` on `domain` to `out` (a domain's notifier fires once per unmap).
  virtual void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const = 0;
  // Whether the driver holds a per-domain lock across the whole flush, submissions and waits included
  // (VT-d 6.10+ domain->cache_lock in cache_tag_flush_range(), AMD sva_pdom->lock), which serialises
  // CPUs flushing the same domain.
  virtual bool flush_under_domain_lock() const { return false; }
  // Whether the mm's domains are flushed newest first (VT-d <= 6.9 walks svm->devs, a list built at its
  // head); otherwise in creation order, each domain's notifier in registration order.
  virtual bool walks_newest_first() const { return false; }
  // Whether one mmu_notifier per mm walks all of the mm's domains (VT-d <= 6.9: one intel_svm per mm,
  // whatever domains the core allocated), rather than one notifier per domain: cpu.notifier_ns is then
  // paid once per notifier call.
  virtual bool one_notifier_per_mm() const { return false; }
};

// Builds a registered planner (names come from checked scenarios). Each planner's file says which
// kernel function it mirrors; its registration names the queue discipline its descriptors go through.
inline std::unique_ptr<FlushPlanner> make_flush_planner(const std::string& name, const Params& p) {
  return FlushPlanner::factory().make(name, p);
}

}  // namespace svasim
