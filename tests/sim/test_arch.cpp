// The CPU side of an unmap in a whole run: the architecture's TLB flush decides what the SVA driver is
// told (models/mm), so the same unmap gives different descriptors per kernel path.
#include <catch2/catch.hpp>

#include "models/explore/plan_explorer.hpp"
#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;

namespace {

// One unmap of `pages` pages starting one page before a 64-page boundary (so <= 6.9 VT-d chunks straddle),
// under linux-6.9-vtd on 2 ATS devices.
Stats unmap_once(std::uint64_t pages, const std::string& kind, double ceiling = 33) {
  nlohmann::json doc = generated_scenario("linux-6.9-vtd", 1, 2, Costs{}, {0}, pages);
  doc["workload"]["unmaps"][0]["start_page"] = 4095;
  doc["workload"]["unmaps"][0]["kind"] = kind;
  doc["params"]["x86"] = {{"tlb_single_page_flush_ceiling", ceiling}};
  return simulate(doc);
}

}  // namespace

// flush_tlb_mm_range() (arch/x86/mm/tlb.c, v6.6-v6.14) widens before mmu_notifier_arch_invalidate_secondary_tlbs();
// intel_flush_svm_all() then sends one PASID-selective PIOTLB and one devTLB per device. (One simulation per
// test case: SimGrid allows one engine per process.)
TEST_CASE("x86: a 34-page munmap reaches VT-d 6.9 as a full flush", "[sim][arch]") {
  const Stats st = unmap_once(34, "munmap");
  CHECK(st.total.iotlb_invalidations == 2);
  CHECK(st.total.devtlb_invalidations == 2);
}

TEST_CASE("x86: with the ceiling raised, the same munmap is two straddling chunks per device", "[sim][arch]") {
  const Stats st = unmap_once(34, "munmap", 1e6);
  CHECK(st.total.iotlb_invalidations == 4);
  CHECK(st.total.devtlb_invalidations == 4);
}

TEST_CASE("x86: a 33-page madvise(DONTNEED), at the ceiling, stays a range", "[sim][arch]") {
  const Stats st = unmap_once(33, "madvise-dontneed");
  CHECK(st.total.iotlb_invalidations == 4);
}

// arch_tlbbatch_add_pending() (arch/x86/include/asm/tlbflush.h): 0..-1UL for every page reclaim unmaps.
TEST_CASE("x86: reclaiming 3 pages tells the driver three times to flush everything", "[sim][arch]") {
  const Stats st = unmap_once(3, "reclaim");
  CHECK(st.unmaps == 1);
  CHECK(st.total.iotlb_invalidations == 3 * 2);
  CHECK(st.total.devtlb_invalidations == 3 * 2);
}

// svasim plan composes the models without SimGrid; a run of one unmap must submit exactly what it prints.
namespace {
void check_plan_matches_run(const std::string& profile, std::uint64_t pages) {
  Costs c;
  const nlohmann::json doc = generated_scenario(profile, 2, 3, c, nlohmann::json::array({0}), pages);
  const Scenario s = scenario_from_json(doc, "<test>");
  const std::uint64_t first = 4096;  // generated_scenario's start_page
  const ExploredPlan p = explore_plan(s, 0, {first << kPageShift, (first + pages) << kPageShift}, UnmapKind::munmap);
  const PlanTotals t = totals(p.unmap);
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 1);
  CHECK(st.total.submissions == t.submissions);
  CHECK(st.total.descriptors == t.descriptors);
  CHECK(st.total.iotlb_invalidations == t.iotlb);
  CHECK(st.total.devtlb_invalidations == t.devtlb);
  CHECK(st.total.invalidation_waits == t.waits);
}
}  // namespace

TEST_CASE("arch: svasim plan's flush of 40 pages is what a 6.12 VT-d run submits", "[sim][arch][explore]") {
  check_plan_matches_run("linux-6.12-vtd", 40);
}

TEST_CASE("arch: svasim plan's flush of 100 pages is what an SMMUv3 run submits", "[sim][arch][explore]") {
  check_plan_matches_run("linux-6.11-smmuv3", 100);
}
