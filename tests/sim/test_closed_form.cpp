// The latency of one uncontended unmap, per profile, against the closed form of the path it takes:
// CPU post (submit + descriptor copies + descriptor fetch over the CPU link), IOMMU work (IOTLB
// descriptors, devTLB issue, ATS round trips to devices in parallel), wait retirement, status write
// back, the spinning CPU noticing it (VT-d: at its first poll after the status arrived).
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;

namespace {

// One unmap on 4 ATS devices behind 1 IOMMU, or 2x2 where asked; latency exact to the nanosecond.
double unmap_ns(const std::string& profile, int iommus, int per_iommu, const Costs& c) {
  const Stats st = simulate(generated_scenario(profile, iommus, per_iommu, c));
  REQUIRE(st.unmaps == 1);
  return static_cast<double>(st.unmap_latency.max());
}

double piotlb_submission(const Costs& c) { return c.vtd_submission(1, c.iotlb); }
double devtlb_submission(const Costs& c) { return c.vtd_submission(1, c.issue + c.ats_round_trip()); }

}  // namespace

TEST_CASE("closed form: linux-6.9-vtd; 4 devices; 1 IOMMU: per device a PIOTLB and a devTLB submission", "[sim][closed-form]") {
  Costs c;
  CHECK(unmap_ns("linux-6.9-vtd", 1, 4, c) == Approx(c.notifier + 4 * (piotlb_submission(c) + devtlb_submission(c))).margin(1));
}

// 6.7 svm.c: one intel_svm, one mmu_notifier per mm (intel_invalidate_range() walks svm->devs), however
// many per-device domains the core allocated: the notifier is entered once per unmap.
TEST_CASE("closed form: linux-6.7-vtd; per-device domains, one notifier per mm", "[sim][closed-form]") {
  Costs c;
  CHECK(unmap_ns("linux-6.7-vtd", 1, 4, c) == Approx(c.notifier + 4 * (piotlb_submission(c) + devtlb_submission(c))).margin(1));
}

TEST_CASE("closed form: linux-6.10-vtd; 2 IOMMUs x 2 devices: one submission per cache tag", "[sim][closed-form]") {
  Costs c;
  CHECK(unmap_ns("linux-6.10-vtd", 2, 2, c) == Approx(c.notifier + 2 * piotlb_submission(c) + 4 * devtlb_submission(c)).margin(1));
}

TEST_CASE("closed form: linux-6.12-vtd; 4 devices; 1 IOMMU: one batch; ATS invalidations in parallel", "[sim][closed-form]") {
  Costs c;
  const double batch = c.vtd_submission(5, c.iotlb + 4 * c.issue + c.ats_round_trip());
  CHECK(unmap_ns("linux-6.12-vtd", 1, 4, c) == Approx(c.notifier + batch).margin(1));
}

TEST_CASE("closed form: linux-6.12-vtd; 2 IOMMUs x 2 devices: one batch per IOMMU", "[sim][closed-form]") {
  Costs c;
  const double batch = c.vtd_submission(3, c.iotlb + 2 * c.issue + c.ats_round_trip());
  CHECK(unmap_ns("linux-6.12-vtd", 2, 2, c) == Approx(c.notifier + 2 * batch).margin(1));
}

TEST_CASE("closed form: linux-6.11-smmuv3; 2 SMMUs x 2 devices: per SMMU domain TLBI+SYNC then ATC_INV+SYNC", "[sim][closed-form]") {
  Costs c;
  const double tlbi = c.post(1) + c.iotlb + c.observe();
  const double atc = c.post(2) + 2 * c.issue + c.ats_round_trip() + c.observe();
  CHECK(unmap_ns("linux-6.11-smmuv3", 2, 2, c) == Approx(2 * (c.notifier + tlbi + atc)).margin(1));
}

TEST_CASE("closed form: linux-6.10-amd; 4 devices: per device pages + IOTLB pages + completion wait", "[sim][closed-form]") {
  Costs c;
  const double per_device = c.post(2) + c.iotlb + c.issue + c.ats_round_trip() + c.observe();
  CHECK(unmap_ns("linux-6.10-amd", 1, 4, c) == Approx(c.notifier + 4 * per_device).margin(1));
}

TEST_CASE("closed form: a slower device sets the wait of a batch", "[sim][closed-form]") {
  Costs c;
  auto doc = generated_scenario("linux-6.12-vtd", 1, 2, c);
  doc["params"]["device"]["ats_inv_ns"] = 10000;
  const Stats st = simulate(doc);
  Costs slow = c;
  slow.ats = 10000;
  CHECK(static_cast<double>(st.unmap_latency.max()) ==
        Approx(c.notifier + c.vtd_submission(3, c.iotlb + 2 * c.issue + slow.ats_round_trip())).margin(1));
}

// Response time is measured from when an unmap was due: three unmaps due every S/2 on one thread that
// serves each in S (6.12, one batch) start at 0, S and 2S, so they answer after S, 2S - S/2 and 2S from
// their arrivals, while each one's service stays S.
TEST_CASE("closed form: unmaps arriving faster than one thread serves them queue from when they were due", "[sim][closed-form]") {
  Costs c;
  const double s = c.notifier + c.vtd_submission(5, c.iotlb + 4 * c.issue + c.ats_round_trip());
  const double x = std::round(s / 2);  // ns, a whole number so the µs list below is exact
  const Stats st = simulate(generated_scenario("linux-6.12-vtd", 1, 4, c, {0, x / 1000, 2 * x / 1000}));
  REQUIRE(st.unmaps == 3);
  CHECK(st.unmaps_due == 3);
  CHECK(st.unmaps_started_late == 2);
  CHECK(st.unmaps_not_started == 0);
  CHECK(static_cast<double>(st.unmap_service_latency.min()) == Approx(s).margin(2));
  CHECK(static_cast<double>(st.unmap_service_latency.max()) == Approx(s).margin(2));
  CHECK(static_cast<double>(st.unmap_latency.min()) == Approx(s).margin(2));
  CHECK(static_cast<double>(st.unmap_latency.max()) == Approx(3 * s - 2 * x).margin(6));
  CHECK(st.unmap_latency.mean() == Approx((s + (2 * s - x) + (3 * s - 2 * x)) / 3).margin(4));
}

// Arrivals the thread never began before the end are counted as offered but not served: one thread
// serving in S, due every S/4 for a run of 10 S, begins 10 or 11 of the 40 due.
TEST_CASE("closed form: arrivals never begun by the end are counted as due, not served", "[sim][closed-form]") {
  Costs c;
  const double s = c.notifier + c.vtd_submission(5, c.iotlb + 4 * c.issue + c.ats_round_trip());
  auto doc = generated_scenario("linux-6.12-vtd", 1, 4, c);
  doc["duration_us"] = 10 * s / 1000;
  doc["workload"]["unmaps"][0]["arrival"] = {{"periodic_us", s / 4000}};
  const Stats st = simulate(doc);
  CHECK(st.unmaps_due == 40);
  CHECK(st.unmaps + st.unmaps_not_started == 40);
  CHECK(st.unmaps >= 10);
  CHECK(st.unmaps <= 11);
  CHECK(st.unmap_threads == 1);
  CHECK(st.unmap_threads_behind == 1);  // its backlog never emptied: saturated
}

// A thread that keeps up empties its backlog before every arrival: never behind, however late its last
// unmap ends (one thread serving in S, due every 1.5 S for a run of 12 S plus a bit, the last arrival
// left unbegun or not).
TEST_CASE("closed form: a thread that keeps up is never behind", "[sim][closed-form]") {
  Costs c;
  const double s = c.notifier + c.vtd_submission(5, c.iotlb + 4 * c.issue + c.ats_round_trip());
  auto doc = generated_scenario("linux-6.12-vtd", 1, 4, c);
  doc["duration_us"] = 12.2 * s / 1000;
  doc["workload"]["unmaps"][0]["arrival"] = {{"periodic_us", 1.5 * s / 1000}};
  const Stats st = simulate(doc);
  CHECK(st.unmaps_due == 9);
  CHECK(st.unmaps + st.unmaps_not_started == 9);
  CHECK(st.unmaps_started_late == 0);
  CHECK(st.unmap_threads_behind == 0);
}
