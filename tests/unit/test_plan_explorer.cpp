// svasim plan's explorer (models/explore/plan_explorer.hpp): the same models a run uses, composed without
// SimGrid, and the descriptor text it prints.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/scenario.hpp"
#include "models/explore/plan_explorer.hpp"
#include "models/flush/describe.hpp"
#include "unit_helpers.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {
Scenario under(json doc, const std::string& profile) {
  Overrides o;
  o.profile = profile;
  return scenario_from_json(std::move(doc), "seed.json", o);
}
constexpr std::uint64_t kPage = 4096;
}  // namespace

// x86 flush_tlb_mm_range(): more than tlb_single_page_flush_ceiling (33) pages become TLB_FLUSH_ALL before the
// notifier; arm64 __flush_tlb_range() passes the range on.
TEST_CASE("plan explorer: the architecture decides the notifier's range, the planner what it becomes", "[explore]") {
  const UnmapRange big{0, 513 * kPage};
  const ExploredPlan x86 = explore_plan(under(seed_doc(), "linux-6.9-vtd"), 0, big, UnmapKind::munmap);
  REQUIRE(x86.notifier_calls.size() == 1);
  CHECK(x86.notifier_calls[0].is_full());
  for (const PlanStep& s : x86.unmap)
    for (const Submission& sub : s.plan.submissions)
      for (const Descriptor& d : sub.descs) CHECK(d.whole_pasid);
  const ExploredPlan arm = explore_plan(under(seed_doc(), "linux-6.11-smmuv3"), 0, big, UnmapKind::munmap);
  REQUIRE(arm.notifier_calls.size() == 1);
  CHECK(arm.notifier_calls[0].start == big.start);
  CHECK(arm.notifier_calls[0].end == big.end);
  // Reclaim: one call per page.
  const ExploredPlan reclaim = explore_plan(under(seed_doc(), "linux-6.11-smmuv3"), 0, {0, 3 * kPage}, UnmapKind::reclaim);
  CHECK(reclaim.notifier_calls.size() == 3);
}

TEST_CASE("plan explorer: binds, one flush per domain per notifier call, unbinds that free the domain", "[explore]") {
  // Four devices behind one IOMMU: one per-mm domain (6.9+), or four (6.7).
  const ExploredPlan shared = explore_plan(under(seed_doc(), "linux-6.12-vtd"), 0, {0, kPage}, UnmapKind::munmap);
  CHECK(shared.binds.size() == 4);
  CHECK(shared.unmap.size() == 1);
  CHECK(totals(shared.unmap).submissions == 1);
  CHECK(totals(shared.unmap).devtlb == 4);
  CHECK(shared.unbinds.back().what.find("freed") != std::string::npos);
  const ExploredPlan per_device = explore_plan(under(seed_doc(), "linux-6.7-vtd"), 0, {0, kPage}, UnmapKind::munmap);
  CHECK(per_device.unmap.size() == 4);
  CHECK(totals(per_device.unmap).submissions == 8);  // a PIOTLB and a devTLB qi_submit_sync per device
  // Every step's text names the driver call once per submission.
  const std::string text = format_plan(per_device, under(seed_doc(), "linux-6.7-vtd").topology);
  std::size_t calls = 0;
  for (std::size_t at = text.find("qi_submit_sync #"); at != std::string::npos; at = text.find("qi_submit_sync #", at + 1)) ++calls;
  CHECK(calls == totals(per_device.binds).submissions + totals(per_device.unmap).submissions +
                     totals(per_device.unbinds).submissions + totals(per_device.exit).submissions);
  // The exit instead of the unbinds: intel_mm_release() tears each PASID entry down (no PRQ drain).
  CHECK(totals(per_device.exit).submissions == 4 * 3);
}

TEST_CASE("plan explorer: a process without devices is refused with its path", "[explore]") {
  json doc = seed_doc();
  doc["processes"][0]["bind"] = json::array();
  try {
    explore_plan(under(doc, "linux-6.12-vtd"), 0, {0, kPage}, UnmapKind::munmap);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.path() == "/processes/0");
  }
}

TEST_CASE("describe: descriptors in the hardware's vocabulary", "[explore]") {
  const std::vector<std::string> names{"nic0", "gpu1"};
  CHECK(describe(Descriptor{DescKind::vtd_piotlb, -1, 0x200000, 3, false}, names) ==
        "p_iotlb_inv_dsc addr 0x200000 am 3 (8 pages)");
  CHECK(describe(Descriptor{DescKind::vtd_devtlb, 1, 0, kMaxAgawPfnWidth, true}, names) == "p_dev_tlb_inv_dsc gpu1 PASID-selective");
  CHECK(describe(Descriptor{DescKind::smmu_atc_inv, 0, 0x1000, 0, false}, names) == "CMD_ATC_INV nic0 addr 0x1000 size order 0 (1 page)");
  CHECK(describe(Descriptor{DescKind::amd_inv_iommu_pages, -1, 0, kMaxAgawPfnWidth, false}, names) ==
        "INVALIDATE_IOMMU_PAGES whole address space");
  CHECK(describe(Descriptor{DescKind::smmu_cfgi_cd, 7}, names) == "CMD_CFGI_CD dev7");
  CHECK(std::string(wait_name(DescKind::vtd_devtlb)) == "inv_wait_dsc");
  CHECK(std::string(wait_name(DescKind::smmu_tlbi_va)) == "CMD_SYNC");
  CHECK(std::string(wait_name(DescKind::amd_inv_iotlb_pages)) == "COMPLETION_WAIT");
}
