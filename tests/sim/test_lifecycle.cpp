// Bind and unbind in simulation: their queue work per profile and environment, their latency, domain
// lifetimes under churn, and DMA after an unbind.
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {
// One ATS+PRI device bound at 10 us and unbound at 20 us; no unmaps worth noting (one at 30 us).
json bind_unbind(const char* profile) {
  Costs c;
  json doc = generated_scenario(profile, 1, 1, c, json::array({30}));
  doc["topology"]["generate"]["device"]["pri"] = true;
  doc["processes"][0]["bind"] = json::array({{{"device", "dev0"}, {"at_us", 10}, {"unbind_at_us", 20}}});
  return doc;
}
}  // namespace

TEST_CASE("lifecycle: VT-d bare metal: the bind touches no queue and the unbind makes four submissions", "[sim][lifecycle]") {
  const Stats st = simulate(bind_unbind("linux-6.12-vtd"));
  CHECK(st.binds == 1);
  CHECK(st.unbinds == 1);
  CHECK(st.total.submissions == 4);  // PASID cache, IOTLB, devTLB, PRI drain; the unmap at 30 us has no domain
  CHECK(st.domains_allocated == 1);
  CHECK(st.domains_freed == 1);
  CHECK(st.max_live_domains == 1);
  CHECK(st.bind_latency.count() == 1);
  CHECK(st.unbind_latency.count() == 1);
  CHECK(st.unbind_latency.min() > st.bind_latency.max());
}

TEST_CASE("lifecycle: VT-d in a guest: caching mode makes the bind two exits", "[sim][lifecycle]") {
  json doc = bind_unbind("linux-6.12-vtd");
  doc["environment"] = "guest-emulated-viommu";
  const Stats st = simulate(doc);
  CHECK(st.total.submissions == 2 + 4);
  CHECK(st.total.vm_exits == st.total.submissions);
}

// arm-smmu-v3.c (6.11): arm_smmu_set_pasid() writes the CD in two synced steps and arm_smmu_attach_commit()
// invalidates the PASID's ATC; arm_smmu_remove_dev_pasid() clears the CD in two steps and invalidates the ATC;
// arm_smmu_sva_domain_free() flushes the ASID.
TEST_CASE("lifecycle: SMMUv3: two CD syncs and an ATC_INV on bind; the same on unbind, and TLBI by ASID when the domain dies", "[sim][lifecycle]") {
  const Stats st = simulate(bind_unbind("linux-6.11-smmuv3"));
  CHECK(st.total.submissions == 3 + 4);
  CHECK(st.total.invalidation_waits == 7);
  CHECK(st.total.devtlb_invalidations == 2);
  CHECK(st.total.iotlb_invalidations == 1);
}

// amd/pasid.c: bind and unbind each end in amd_iommu_dev_flush_pasid_all(); three tail writes each.
TEST_CASE("lifecycle: AMD: bind and unbind each flush the PASID once; in a guest each command exits", "[sim][lifecycle]") {
  json doc = bind_unbind("linux-6.10-amd");
  doc["environment"] = "guest-emulated-viommu";
  const Stats st = simulate(doc);
  CHECK(st.binds == 1);
  CHECK(st.unbinds == 1);
  CHECK(st.total.submissions == 2);
  CHECK(st.total.devtlb_invalidations == 2);
  CHECK(st.total.vm_exits == 2 * 3);
}

TEST_CASE("lifecycle: churn keeps domains alive exactly while devices are bound and stays deterministic", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.7-vtd", 1, 4, c, json::array({0}));
  doc["duration_us"] = 2000;
  doc["processes"][0]["bind"] = json::array();
  doc["processes"][0]["churn"] = {{"rate_per_ms", 20}, {"hold_us", {{"uniform", {20, 200}}}}};
  doc["workload"]["unmaps"][0]["arrival"] = {{"poisson_per_ms", 20}};
  const Stats st = simulate(doc);
  CHECK(st.binds > 20);
  // Per-device domains: every new handle allocates one, every last unbind frees it.
  CHECK(st.domains_allocated >= st.domains_freed);
  CHECK(st.max_live_domains <= 4);
  CHECK(st.max_live_pasids == 1);
  CHECK(st.unmaps > 20);
  // The timeline stays within [0, max] and shows domains alive most of the time.
  const auto timeline = st.live_domains.to_json();
  REQUIRE(timeline.size() == Timeline::kBuckets);
  double sum = 0;
  for (const auto& b : timeline) {
    CHECK(b["mean"].get<double>() >= 0);
    CHECK(b["mean"].get<double>() <= static_cast<double>(st.max_live_domains) + 1e-9);
    sum += b["mean"].get<double>();
  }
  CHECK(sum / Timeline::kBuckets > 0.5);
}

TEST_CASE("lifecycle: DMA from a device after its unbind ends in errors and never hangs", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 1, c, json::array({0}));
  doc["duration_us"] = 100;
  doc["processes"][0]["bind"] = json::array({{{"device", "dev0"}, {"at_us", 0}, {"unbind_at_us", 50}}});
  doc["workload"]["dma"] = json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", 4096}, {"queue_depth", 2}}});
  const Stats st = simulate(doc);
  CHECK(st.dma.dma_completed > 0);
  CHECK(st.dma.dma_errors > 0);
  CHECK(st.dma.dma_requests == st.dma.dma_completed + st.dma.dma_errors);
}

TEST_CASE("lifecycle: a full page-request queue fails requests and makes the unbind drain again", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c, json::array({0}));
  doc["duration_us"] = 1000;
  doc["topology"]["generate"]["device"]["pri"] = true;
  doc["params"]["pri"] = {{"prq_entries", 1}};
  doc["processes"][0]["memory"] = {{"pages", 64}};
  doc["processes"][0]["bind"] = json::array({{{"device", "dev0"}, {"at_us", 0}},
                                             {{"device", "dev1"}, {"at_us", 0}, {"unbind_at_us", 500}}});
  // Unmap everything every 20 us so the devices keep faulting pages back in.
  doc["workload"]["unmaps"] = json::array({{{"process", "app"}, {"arrival", {{"periodic_us", 20}}}, {"pages", 64}, {"start_page", 0}}});
  doc["workload"]["dma"] = json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", 4096},
                                         {"queue_depth", 8}, {"pattern", {{"kind", "uniform"}}}}});
  const Stats st = simulate(doc);
  CHECK(st.page_request_overflows > 0);
  CHECK(st.prq_drain_retries >= 1);  // dev0 keeps overflowing the queue while dev1 drains
  CHECK(st.unbinds == 1);
  CHECK(st.dma.dma_requests == st.dma.dma_completed + st.dma.dma_errors);
}

TEST_CASE("lifecycle: churn with hold_us 0 binds and unbinds at the same instant, in that order", "[sim][lifecycle][hardening]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c, json::array({0}));
  doc["duration_us"] = 500;
  doc["processes"][0]["bind"] = json::array();
  doc["processes"][0]["churn"] = {{"rate_per_ms", 20}, {"hold_us", 0}};
  const Stats st = simulate(doc);  // threw "detach of a device that is not bound" before
  CHECK(st.binds > 0);
  // A bind at time 0 is the state the run starts in (not counted in binds); every bind is undone at once.
  CHECK(st.unbinds >= st.binds);
  CHECK(st.unbinds <= st.binds + 1);
  CHECK(st.domains_freed == st.domains_allocated);
}

TEST_CASE("lifecycle: a DMA stream on \"all\" devices has one engine per device however often churn binds it",
          "[sim][lifecycle][hardening]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 1, c, json::array({0}));
  doc["duration_us"] = 1000;
  doc["processes"][0]["bind"] = json::array();
  doc["processes"][0]["churn"] = {{"rate_per_ms", 10}, {"hold_us", 50}};
  doc["workload"]["dma"] = json::array({{{"process", "app"}, {"devices", "all"}, {"rate_per_us", 1}, {"request_bytes", 64}}});
  const Scenario s = scenario_from_json(doc, "<test>");
  REQUIRE(s.dma.size() == 1);
  CHECK(s.dma[0].devices.size() == 1);  // one device, bound ~10 times
  const Stats st = run_simulation(s);
  // One device at 1 request/us for 1 ms: about 1,000 requests, not one stream per bind event.
  CHECK(st.dma.dma_requests > 800);
  CHECK(st.dma.dma_requests < 1200);
}

// drivers/iommu/iommu-sva.c: iommu_sva_bind_device() and iommu_sva_unbind_device() hold the global
// iommu_sva_lock across the driver's set_dev_pasid / remove_dev_pasid (their queue work and the page-request
// drain) and the domain's free. Two processes unbinding at once: the second waits for the first's whole unbind.
TEST_CASE("lifecycle: iommu_sva_lock serialises the binds and unbinds of different processes", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c, json::array({30}));
  doc["processes"] = json::array({{{"name", "app"}, {"bind", json::array({{{"device", "dev0"}, {"at_us", 10}, {"unbind_at_us", 20}}})}},
                                  {{"name", "other"}, {"bind", json::array({{{"device", "dev1"}, {"at_us", 10}, {"unbind_at_us", 20}}})}}});
  const Stats st = simulate(doc);
  REQUIRE(st.unbinds == 2);
  REQUIRE(st.sva_lock_wait.count() == 4);
  // The later unbind waits at least for the earlier one's PASID-cache, IOTLB and devTLB submissions, the last
  // with its ATS round trip.
  CHECK(static_cast<double>(st.sva_lock_wait.max()) >= c.ats_round_trip() + 3 * c.post(1));
  CHECK(st.unbind_latency.max() >= st.unbind_latency.min() + st.sva_lock_wait.max());
}

// A process exiting mid-run: exit_mmap() -> mmu_notifier_release() -> intel_mm_release() tears down each
// device's PASID entry (PASID cache, IOTLB, devTLB: three submissions per ATS device); its unmaps stop.
TEST_CASE("lifecycle: a process exit releases its mm: teardown per device, no unmap after it", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c, json::array({0, 10, 20, 30, 40, 50, 60}));
  doc["processes"][0]["exit_at_us"] = 45;
  const Stats st = simulate(doc);
  CHECK(st.unmaps == 5);
  CHECK(st.mm_releases == 1);
  CHECK(st.domains_freed == 1);
  CHECK(st.release_latency.count() == 1);
  CHECK(st.total.submissions == 5 * 1 + 2 * 3);
  CHECK(st.total.devtlb_invalidations == 5 * 2 + 2);
  CHECK(static_cast<double>(st.release_latency.max()) >= 2 * c.ats_round_trip());
}

// amd/pasid.c sva_mn_release() holds sva_pdom->lock across every device's flush.
TEST_CASE("lifecycle: an AMD exit holds the domain lock across the release, and queues per device", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.10-amd", 1, 3, c, json::array({0}));
  doc["processes"][0]["exit_at_us"] = 20;
  const Stats st = simulate(doc);
  CHECK(st.mm_releases == 1);
  CHECK(st.total.submissions == 3 + 3);
  CHECK(st.domain_lock_wait.count() == 1 + 1);  // the unmap's flush and the release
}

// intel_drain_pasid_prq() (svm.c, up to 6.13) waits for every page request of the PASID in the IOMMU's queue,
// whichever device sent it; intel_iommu_drain_pasid_prq() (prq.c, 6.14: add43c4fbc92) only for the unbinding
// device's. dev1 faults on 16 unmapped pages, each handled in 10 us, while dev0 unbinds at 50 us.
namespace {
Stats unbind_beside_faults(const char* profile, int requests = 16, int pages = 16) {
  Costs c;
  json doc = generated_scenario(profile, 1, 2, c, json::array({30}), static_cast<std::uint64_t>(pages));
  doc["topology"]["generate"]["device"]["pri"] = true;
  doc["params"]["pri"] = {{"fault_ns", 10000}};
  doc["processes"][0]["bind"] = json::array({{{"device", "dev0"}, {"unbind_at_us", 50}}, {{"device", "dev1"}}});
  doc["workload"]["dma"] = json::array({{{"devices", json::array({"dev1"})}, {"process", "app"}, {"request_bytes", 4096},
                                         {"queue_depth", 4}, {"count", requests}, {"start_us", 35},
                                         {"pattern", {{"kind", "sequential"}, {"offset_pages", 4096}, {"working_set_pages", pages}}}}});
  return simulate(doc);
}
}  // namespace

TEST_CASE("lifecycle: up to 6.13 an unbind's PRQ drain waits for another device's page requests of the PASID", "[sim][lifecycle]") {
  const Stats st = unbind_beside_faults("linux-6.12-vtd");
  REQUIRE(st.unbinds == 1);
  REQUIRE(st.dma.page_faults >= 4);
  CHECK(static_cast<double>(st.unbind_latency.max()) > 30000);  // several 10 us faults of dev1 first
}

TEST_CASE("lifecycle: from 6.14 the PRQ drain waits only for the unbinding device's page requests", "[sim][lifecycle]") {
  const Stats st = unbind_beside_faults("linux-6.14-vtd");
  REQUIRE(st.unbinds == 1);
  REQUIRE(st.dma.page_faults >= 4);
  CHECK(static_cast<double>(st.unbind_latency.max()) < 30000);
}

// The drain waits for the requests outstanding when it starts, not for those a device keeps sending meanwhile:
// dev1 faults on 400 pages (4 at a time, 10 us each, 1 ms in all) and dev0's unbind still ends in tens of us.
TEST_CASE("lifecycle: a PRQ drain beside a device that keeps faulting still ends", "[sim][lifecycle]") {
  const Stats st = unbind_beside_faults("linux-6.12-vtd", 400, 400);
  REQUIRE(st.unbinds == 1);
  REQUIRE(st.dma.page_faults >= 100);
  CHECK(static_cast<double>(st.unbind_latency.max()) < 100000);
}

// arm-smmu-v3-sva.c arm_smmu_mm_release() flushes its domain's SMMU; svasim lets a scenario share one domain
// across SMMUs (models.domain per-mm), and then each SMMU flushes its own ASID and masters.
TEST_CASE("lifecycle: an SMMUv3 exit with one domain across two SMMUs flushes each SMMU", "[sim][lifecycle]") {
  Costs c;
  json doc = generated_scenario("linux-6.11-smmuv3", 2, 2, c, json::array({0}));
  doc["models"] = {{"domain", "per-mm"}};
  doc["processes"][0]["exit_at_us"] = 20;
  const Stats st = simulate(doc);
  CHECK(st.mm_releases == 1);
  CHECK(st.per_iommu[0].iotlb_invalidations >= 1 + 1);  // the unmap's and the release's TLBI on each SMMU
  CHECK(st.per_iommu[1].iotlb_invalidations >= 1 + 1);
}
