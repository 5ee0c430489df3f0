// Linux <= 6.9 VT-d (intel/svm.c): intel_arch_invalidate_secondary_tlbs() walks svm->devs and, per
// bound device, intel_flush_svm_range_dev() / intel_flush_svm_all(). Every qi_flush_*() call below is
// its own qi_submit_sync(): one submission with one descriptor and one wait.
#include "models/flush/planner.hpp"
#include "models/flush/range.hpp"

namespace svasim {

SVASIM_PARAM({.name = "vtd.full_range_pasid_selective", .unit = "bool", .default_value = 1, .max = 1, .integer = true,
              .description = "a full-range flush (0..ULONG_MAX) is one PASID-selective PIOTLB plus a full devTLB per "
                             "device (6.7+: e7ad6c2a4b1a landed in 6.7-rc4; 0 for earlier kernels)",
              .source = "intel/svm.c intel_flush_svm_all(), Linux 6.7 (svm.c at 00c1d298d486)"});

namespace {

class VtdPerDevicePlanner final : public FlushPlanner {
public:
  explicit VtdPerDevicePlanner(bool full_range_pasid_selective)
      : full_range_pasid_selective_(full_range_pasid_selective) {}

  void plan(const SvaDomain& domain, const UnmapRange& range, FlushPlan& out) const override {
    // intel_svm_bind_mm() / intel_svm_set_dev_pasid() add each device with list_add_rcu(&sdev->list,
    // &svm->devs), at the head: the notifier walks the newest device first.
    for (auto it = domain.attachments.rbegin(); it != domain.attachments.rend(); ++it) {
      const Attachment& a = *it;
      if (range.is_full() && full_range_pasid_selective_) {
        // intel_flush_svm_all() ("iommu/vt-d: Fix incorrect cache invalidation for mm notification",
        // the fix for the [0, -1UL) flush-all range): PASID-selective PIOTLB, then a devTLB flush of
        // size order 64 - VTD_PAGE_SHIFT = 52.
        flush(out, a, 0, kMaxAgawPfnWidth, true);
      } else {
        flush_range(out, a, range);
      }
    }
  }

private:
  // __flush_svm_range_dev(): qi_flush_piotlb(), then for ATS devices qi_flush_dev_iotlb_pasid() and
  // quirk_extra_dev_tlb_flush() (a second, identical devTLB flush for QAT 0x4940-0x4943).
  static void flush(FlushPlan& out, const Attachment& a, std::uint64_t addr, unsigned mask, bool whole) {
    out.submissions.push_back(Submission{a.iommu, {Descriptor{DescKind::vtd_piotlb, -1, addr, mask, whole}}, true});
    if (!a.ats) return;
    const Descriptor dev{DescKind::vtd_devtlb, a.device, addr, mask, whole};
    out.submissions.push_back(Submission{a.iommu, {dev}, true});
    if (a.extra_devtlb_quirk) out.submissions.push_back(Submission{a.iommu, {dev}, true});
  }

  static void flush_range(FlushPlan& out, const Attachment& a, const UnmapRange& range) {
    // pages = (end - start + PAGE_SIZE - 1) >> VTD_PAGE_SHIFT, computed without wrapping. Without the
    // full-range special case (vtd.full_range_pasid_selective = 0) the kernel's sum wrapped to 0 pages
    // for [0, -1UL); svasim instead treats it as the largest range: one 2^52-page chunk.
    std::uint64_t pages = 0;
    if (range.end > range.start) {
      const std::uint64_t bytes = range.end - range.start;
      pages = (bytes >> kPageShift) + ((bytes & ((1ULL << kPageShift) - 1)) != 0);
    }
    // intel_flush_svm_range_dev(): the range rounded to power-of-two aligned chunks, each flushed by
    // __flush_svm_range_dev() with pages = the chunk size (PIOTLB AM and devTLB size order = mask).
    const SvmChunks c = svm_range_chunks(range.start, pages);
    for (std::uint64_t i = 0; i < c.count; ++i)
      flush(out, a, c.first + i * (c.chunk_pages << kPageShift), c.mask, false);
  }

  // One intel_svm (one notifier) per mm, whatever domains the core allocated: with 6.7's per-device
  // domains, the newest device's flush comes first too.
  bool walks_newest_first() const override { return true; }
  bool one_notifier_per_mm() const override { return true; }

  bool full_range_pasid_selective_;
};

}  // namespace

static std::unique_ptr<FlushPlanner> make_planner(const Params& p) {
  return std::make_unique<VtdPerDevicePlanner>(p.get_bool("vtd.full_range_pasid_selective"));
}

SVASIM_REGISTER(FlushPlanner, "vtd-per-device", make_planner,
                {.description = "VT-d <= 6.9: per device and chunk, a PIOTLB and a devTLB qi_submit_sync each (2N..4N waits)",
                 .params = {"cpu.notifier_ns", "vtd.full_range_pasid_selective"},
                 .companions = {{"queue", "vtd-qi"}, {"arch", "x86"}}});

}  // namespace svasim
