// Linux 6.12+ VT-d qi_batch: cache_tag_flush_range() / cache_tag_flush_all() (intel/cache.c) append
// the same descriptors as 6.10 to domain->qi_batch instead of submitting each one.
#include <stdexcept>

#include "models/flush/planner.hpp"
#include "models/flush/vtd_tags.hpp"

namespace svasim {

SVASIM_PARAM({.name = "vtd.qi_batch_size", .unit = "descriptors", .default_value = 16, .min = 1, .max = 254, .integer = true,
              .description = "descriptors per qi_batch submission (6.12+ planner)",
              .source = "QI_MAX_BATCHED_DESC_COUNT, intel/iommu.h"});

namespace {

class VtdQiBatchPlanner final : public FlushPlanner {
public:
  VtdQiBatchPlanner(std::size_t batch_size, vtd::TagOrder order) : batch_size_(batch_size), order_(order) {}

  void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const override {
    if (!range.is_full() && range.end <= range.start) return;  // nothing to flush
    const vtd::TagRange r = vtd::tag_range(range);
    Submission batch;
    int iommu = -1;  // the IOMMU of the batch being filled; -1 before the first tag
    // qi_batch_flush_descs(): one qi_submit_sync() of the batched descriptors (+ its wait), if any.
    auto flush = [&] {
      if (iommu < 0 || batch.descs.empty()) return;
      batch.iommu = iommu;
      batch.wait = true;
      out.submissions.push_back(batch);
      batch.descs.clear();
    };
    for (const vtd::CacheTag& tag : vtd::cache_tags(domain, order_)) {
      // A batch belongs to one IOMMU's queue: flush it when the walk reaches another IOMMU's tag.
      if (iommu >= 0 && iommu != tag.iommu) flush();
      iommu = tag.iommu;
      for (const Descriptor& d : vtd::tag_descriptors(tag, r)) {
        batch.descs.push_back(d);
        // qi_batch_increment_index(): flush as soon as QI_MAX_BATCHED_DESC_COUNT are queued.
        if (batch.descs.size() == batch_size_) flush();
      }
    }
    flush();  // the final qi_batch_flush_descs() after the walk
  }
  // cache_tag_flush_range() batches and submits under domain->cache_lock.
  bool flush_under_domain_lock() const override { return true; }

private:
  std::size_t batch_size_;
  vtd::TagOrder order_;
};

}  // namespace

static std::unique_ptr<FlushPlanner> make_planner(const Params& p) {
  const std::int64_t n = p.get_int("vtd.qi_batch_size");
  if (n < 1) throw std::logic_error("vtd.qi_batch_size must be >= 1");
  return std::make_unique<VtdQiBatchPlanner>(static_cast<std::size_t>(n), vtd::tag_order(p));
}

SVASIM_REGISTER(FlushPlanner, "vtd-qi-batch", make_planner,
                {.description = "VT-d 6.12+ qi_batch: tag walk batched 16 descriptors per submission, split per IOMMU",
                 .params = {"cpu.notifier_ns", "vtd.qi_batch_size", "vtd.cache_tag_order"},
                 .companions = {{"queue", "vtd-qi"}, {"arch", "x86"}}});

}  // namespace svasim
