// Linux 6.10-6.11 VT-d: cache_tag_flush_range() / cache_tag_flush_all() (intel/cache.c) walk the SVA
// domain's cache tags and call qi_flush_piotlb() / qi_flush_dev_iotlb_pasid() per tag. Each of those
// is its own qi_submit_sync(): one submission (one wait descriptor, one tail write) per descriptor.
#include "models/flush/planner.hpp"
#include "models/flush/vtd_tags.hpp"

namespace svasim {

namespace {

class VtdCacheTagPlanner final : public FlushPlanner {
public:
  explicit VtdCacheTagPlanner(vtd::TagOrder order) : order_(order) {}
  void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const override {
    // An empty range has no page to flush (calculate_psi_aligned_address() would see 0 pages).
    if (!range.is_full() && range.end <= range.start) return;
    // intel_arch_invalidate_secondary_tlbs(): full range -> cache_tag_flush_all(), else
    // cache_tag_flush_range(domain, start, end - 1, 0).
    const vtd::TagRange r = vtd::tag_range(range);
    for (const vtd::CacheTag& tag : vtd::cache_tags(domain, order_)) {
      // The QAT quirk's second devTLB flush is a separate qi_flush_dev_iotlb_pasid() call in
      // cache_tag_flush_devtlb_psi(), hence a separate qi_submit_sync(): one submission per descriptor.
      for (const Descriptor& d : vtd::tag_descriptors(tag, r))
        out.submissions.push_back(Submission{tag.iommu, {d}, true});
    }
  }
  // cache_tag_flush_range() walks and submits under domain->cache_lock.
  bool flush_under_domain_lock() const override { return true; }

private:
  vtd::TagOrder order_;
};

}  // namespace

static std::unique_ptr<FlushPlanner> make_planner(const Params& p) {
  return std::make_unique<VtdCacheTagPlanner>(vtd::tag_order(p));
}

SVASIM_REGISTER(FlushPlanner, "vtd-cache-tags", make_planner,
                {.description = "VT-d 6.10-6.11 cache tags: one qi_submit_sync per tag (K + sum(ATS) waits)",
                 .params = {"cpu.notifier_ns", "vtd.cache_tag_order"},
                 .companions = {{"queue", "vtd-qi"}, {"arch", "x86"}}});

}  // namespace svasim
