// The DMA translation path in simulation: closed-form latency of a cold and a warm request, exact
// eviction by an unmap's invalidation, the stale-translation invariant, conservation.
#include <catch2/catch.hpp>

#include "models/hw/pcie_tlp.hpp"
#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {

// One device straight on the IOMMU (250 ns, 7.88 GB/s), 4 KiB pages, default translation costs.
json dma_doc(bool ats, json dma, json unmaps = json::array()) {
  json doc = {{"name", "dma-test"},
              {"seed", 5},
              {"duration_us", 1000},
              {"profile", "linux-6.12-vtd"},
              {"params", {{"device", {{"ats_inv_jitter_ns", 0}}}}},
              {"topology",
               {{"nodes", json::array({{{"name", "cpu0"}, {"kind", "cpu"}, {"cores", 2}},
                                       {{"name", "dmar0"}, {"kind", "iommu"}},
                                       {{"name", "dev0"}, {"kind", "device"}, {"ats", ats}, {"pri", ats}}})},
                {"links", json::array({{{"from", "cpu0"}, {"to", "dmar0"}, {"latency_ns", 100}, {"bandwidth_gbps", 32}},
                                       {{"from", "dmar0"}, {"to", "dev0"}, {"latency_ns", 250}, {"bandwidth_gbps", 7.88}}})}}},
              {"processes", json::array({{{"name", "app"}, {"bind", "all"}, {"memory", {{"pages", 1024}}}}})},
              {"workload", {{"dma", json::array({dma})}}}};
  if (!unmaps.empty()) doc["workload"]["unmaps"] = unmaps;
  return doc;
}

// Same page twice: the first request is cold everywhere, the second hits.
json same_page_twice() {
  return {{"devices", "all"}, {"process", "app"}, {"request_bytes", 64}, {"queue_depth", 1}, {"count", 2},
          {"pattern", {{"kind", "sequential"}, {"working_set_pages", 1}}}};
}

// Pages A and B alternate, one request at a time; page A is unmapped (at 2 us) between the 2nd and the 3rd
// request, so the device faults it back in once.
json one_page_faulted_back() {
  json dma = same_page_twice();
  dma["request_bytes"] = 4096;
  dma["count"] = 6;
  dma["pattern"]["working_set_pages"] = 2;
  dma["start_us"] = 0;
  dma["queue_depth"] = 1;
  json unmaps = json::array({{{"process", "app"}, {"arrival", {{"at_us", {2}}}}, {"pages", 1}, {"start_page", 0}}});
  return dma_doc(true, dma, unmaps);
}

// The documented components of a request at queue depth 1 (docs/PCIE.md): each TLP train crosses the
// 250 ns link at 7.88 GB/s with the bytes the TLP arithmetic gives; memory answers after dma.memory_ns
// plus the bytes at memory.bandwidth_gbps; a walk costs iommu.iotlb_miss_ns plus, per read,
// iommu.walk_read_ns and a 64 B line at the memory.
constexpr double kLink = 250, kGbps = 7.88, kMemory = 90, kMemGbps = 128, kMiss = 40, kRead = 197;
const TlpCosts kTlp;  // the pcie.* defaults
double link_time(const Packets& p) { return kLink + p.wire_bytes / kGbps; }
double walk(int reads) { return kMiss + reads * (kRead + 64 / kMemGbps); }
// A 64 B read once translated: the read request up, the access, the completion down. An untranslated
// request (a device without ATS) carries the PASID prefix.
double read_after_translation(bool untranslated = false) {
  return link_time(read_requests(kTlp, 64, untranslated)) + kMemory + 64 / kMemGbps + link_time(read_completions(kTlp, 64));
}
double ats_round_trip(int reads) {
  return link_time(ats_translation_request(kTlp)) + walk(reads) + link_time(ats_translation_completion(kTlp, 1));
}

}  // namespace

TEST_CASE("dma: a cold ATS read pays the ATS round trip and a 4-read walk; a warm one hits the ATC", "[sim][dma]") {
  const Stats st = simulate(dma_doc(true, same_page_twice()));
  REQUIRE(st.dma.dma_completed == 2);
  const double cold = ats_round_trip(4) + read_after_translation();
  const double warm = read_after_translation();
  CHECK(static_cast<double>(st.dma_latency.max()) == Approx(cold).margin(1));
  CHECK(static_cast<double>(st.dma_latency.min()) == Approx(warm).margin(1));
  CHECK(warm == Approx(605).margin(2));  // near the pcie-bench 64 B read round trip (~600 ns, Xeon E5)
  CHECK(st.dma.atc_hits == 1);
  CHECK(st.dma.atc_misses == 1);
  CHECK(st.dma.walk_memory_reads == 4);
}

TEST_CASE("dma: a non-ATS device translates every request in the IOMMU", "[sim][dma]") {
  const Stats st = simulate(dma_doc(false, same_page_twice()));
  REQUIRE(st.dma.dma_completed == 2);
  CHECK(static_cast<double>(st.dma_latency.max()) == Approx(walk(4) + read_after_translation(true)).margin(1));
  CHECK(static_cast<double>(st.dma_latency.min()) == Approx(read_after_translation(true)).margin(1));
  CHECK(st.dma.atc_hits + st.dma.atc_misses == 0);
  CHECK(st.dma.iotlb_hits == 1);
  CHECK(st.dma.iotlb_misses == 1);
}

TEST_CASE("dma: the paging-structure caches cut the second walk in the same 2 MiB region to one read", "[sim][dma]") {
  json dma = same_page_twice();
  dma["request_bytes"] = 4096;
  dma["pattern"]["working_set_pages"] = 2;
  const Stats st = simulate(dma_doc(true, dma));
  REQUIRE(st.dma.dma_completed == 2);
  CHECK(st.dma.page_walks == 2);
  CHECK(st.dma.walk_memory_reads == 5);  // 4 cold, then 1 with the PDE cached
  // Per level: the cold walk misses PDE, PDPTE and PML4E; the second hits the PDE and looks no further.
  CHECK(st.dma.pwc_misses[2] == 1);
  CHECK(st.dma.pwc_hits[2] == 1);
  CHECK(st.dma.pwc_misses[1] == 1);
  CHECK(st.dma.pwc_hits[1] == 0);
  CHECK(st.dma.pwc_misses[0] == 1);
  CHECK(st.dma.pwc_hits[0] == 0);
}

TEST_CASE("dma: an unmap invalidates exactly its page and the device faults it back in", "[sim][dma]") {
  json doc = one_page_faulted_back();
  const Stats st = simulate(doc);
  REQUIRE(st.dma.dma_completed == 6);
  REQUIRE(st.unmaps == 1);
  // A and B cold (2 misses); after the unmap A misses, faults, and misses again on the retry; then
  // B, A, B hit. Had the invalidation touched B there would be more misses and fewer hits.
  CHECK(st.dma.page_faults == 1);
  CHECK(st.dma.atc_misses == 4);
  CHECK(st.dma.atc_hits == 3);
  CHECK(st.page_fault_latency.count() == 1);
  CHECK(st.dma.stale_translation_uses == 0);
}

namespace {
// Two PRI devices streaming 64 KiB requests (4 us on the link each) over 64 pages while a thread unmaps
// single pages and touches them again: invalidations keep arriving while transfers are in flight, and the
// devices answer fast (200 ns), so only waiting for the DMA keeps the answer after the data.
json race_doc(bool waits) {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c);
  doc["duration_us"] = 2000;
  doc["params"]["device"]["ats_inv_waits_for_dma"] = waits;
  doc["params"]["device"]["ats_inv_ns"] = 200;
  doc["topology"]["generate"]["device"]["pri"] = true;
  doc["processes"][0]["memory"] = {{"pages", 64}};
  doc["workload"]["unmaps"] = json::array({{{"process", "app"}, {"arrival", {{"poisson_per_ms", 100}}}, {"pages", 1},
                                            {"start_page", {{"uniform", {0, 63}}}}, {"retouch_after_us", 5}}});
  doc["workload"]["dma"] = json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", 65536},
                                         {"queue_depth", 4}, {"pattern", {{"kind", "uniform"}}}}});
  return doc;
}
}  // namespace

TEST_CASE("dma: no DMA completes on a translation whose invalidation completed", "[sim][dma]") {
  const Stats st = simulate(race_doc(true));
  CHECK(st.unmaps > 100);
  CHECK(st.dma.dma_completed > 300);
  CHECK(st.dma.stale_translation_uses == 0);
  CHECK(st.dma.dma_requests == st.dma.dma_completed + st.dma.dma_errors);  // conservation
}

// The same run with a device that answers before its DMA finished: the check must see it.
TEST_CASE("dma: a device that answers invalidations before finishing its DMA trips the stale check", "[sim][dma]") {
  const Stats st = simulate(race_doc(false));
  CHECK(st.unmaps > 100);
  CHECK(st.dma.stale_translation_uses > 0);
}

TEST_CASE("dma: a device without PRI gets an error for a non-present page", "[sim][dma]") {
  json dma = same_page_twice();
  dma["count"] = 3;
  json unmaps = json::array({{{"process", "app"}, {"arrival", {{"at_us", {0}}}}, {"pages", 1}, {"start_page", 0}}});
  json doc = dma_doc(true, dma, unmaps);
  doc["topology"]["nodes"][2]["pri"] = false;
  doc["workload"]["dma"][0]["start_us"] = 1;
  const Stats st = simulate(doc);
  CHECK(st.dma.dma_requests == 3);
  CHECK(st.dma.dma_errors == 3);
  CHECK(st.dma.dma_completed == 0);
  CHECK(st.dma.page_faults == 0);
}

TEST_CASE("dma: open-loop arrivals keep their rate and the devices share a link", "[sim][dma]") {
  json dma = {{"devices", "all"}, {"process", "app"}, {"request_bytes", 1500}, {"read_fraction", 0},
              {"rate_per_us", 1}, {"pattern", {{"kind", "window"}, {"window_pages", 8}, {"window_step_pages", 1}}}};
  const Stats st = simulate(dma_doc(false, dma));
  // Poisson at 1 per us over 1000 us.
  CHECK(st.dma.dma_requests == Approx(1000).epsilon(0.1));
  CHECK(st.dma.dma_completed == st.dma.dma_requests);
}

TEST_CASE("dma: with 2 MiB pages one ATC entry covers the whole mapping and a cold walk reads 3 levels", "[sim][dma]") {
  json dma = {{"devices", "all"}, {"process", "app"}, {"request_bytes", 4096}, {"queue_depth", 1}, {"count", 512},
              {"pattern", {{"kind", "sequential"}, {"working_set_pages", 512}}}};
  json doc = dma_doc(true, dma);
  doc["processes"][0]["memory"] = {{"pages", 1024}, {"page_size_kib", 2048}};
  const Stats st = simulate(doc);
  REQUIRE(st.dma.dma_completed == 512);
  CHECK(st.dma.atc_misses == 1);
  CHECK(st.dma.atc_hits == 511);
  CHECK(st.dma.walk_memory_reads == 3);
}

TEST_CASE("dma: devices behind one switch share its uplink packet by packet", "[sim][dma]") {
  // Two devices on 16 GB/s links behind a switch whose uplink carries 8 GB/s: each gets half of what
  // the uplink carries of 64 KiB posted writes (MPS-sized MWr TLPs with a PASID prefix: untranslated
  // requests of devices without ATS, PCIe arithmetic).
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c);
  doc["topology"] = {{"nodes", json::array({{{"name", "cpu0"}, {"kind", "cpu"}, {"cores", 2}},
                                            {{"name", "dmar0"}, {"kind", "iommu"}},
                                            {{"name", "sw0"}, {"kind", "switch"}},
                                            {{"name", "dev0"}, {"kind", "device"}, {"ats", false}},
                                            {{"name", "dev1"}, {"kind", "device"}, {"ats", false}}})},
                     {"links", json::array({{{"from", "cpu0"}, {"to", "dmar0"}},
                                            {{"from", "dmar0"}, {"to", "sw0"}, {"bandwidth_gbps", 8}},
                                            {{"from", "sw0"}, {"to", "dev0"}, {"bandwidth_gbps", 16}},
                                            {{"from", "sw0"}, {"to", "dev1"}, {"bandwidth_gbps", 16}}})}};
  doc["duration_us"] = 2000;  // 64 KiB trains queue 8 deep (~73 us each): many rounds for a fair share
  doc["workload"] = {{"dma", json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", 65536},
                                           {"queue_depth", 4}, {"read_fraction", 0}, {"pattern", {{"kind", "sequential"}}}}})}};
  const Stats st = simulate(doc);
  for (const auto& d : st.per_device) {
    const double gbps = static_cast<double>(d.dma.dma_bytes) / (d.last_completion_ns - d.first_issue_ns);
    CHECK(gbps == Approx(write_bandwidth(kTlp, 8, 8, 65536, true) / 2).epsilon(0.02));
  }
}

// intel/cache.c cache_tag_flush_all() (6.10+): a DEVTLB tag is flushed with the non-PASID device-TLB
// invalidation (qi_flush_dev_iotlb(.., 0, MAX_AGAW_PFN_WIDTH)), whose ATS request carries no PASID: another
// process's ATC entries on the same device go too. 6.9's intel_flush_svm_all() uses the PASID-based one.
namespace {
// "app" reads one page again and again; "other", bound to the same device, unmaps everything at 3 us.
Stats full_flush_beside_dma(const char* profile) {
  json dma = same_page_twice();
  dma["count"] = 8;
  dma["start_us"] = 0;
  json doc = dma_doc(true, dma, json::array({{{"process", "other"}, {"arrival", {{"at_us", {3}}}}, {"full_range", true}}}));
  doc["profile"] = profile;
  doc["processes"].push_back({{"name", "other"}, {"bind", "all"}, {"memory", {{"pages", 1024}}}});
  return simulate(doc);
}
}  // namespace

TEST_CASE("dma: 6.12's full flush clears another process's ATC entries on the device (non-PASID devTLB)", "[sim][dma]") {
  const Stats st = full_flush_beside_dma("linux-6.12-vtd");
  REQUIRE(st.unmaps == 1);
  REQUIRE(st.dma.dma_completed == 8);
  CHECK(st.dma.page_faults == 0);     // app's own pages were never unmapped
  CHECK(st.dma.atc_misses == 2);      // cold, then once more after the other process's full flush
  CHECK(st.dma.stale_translation_uses == 0);
}

TEST_CASE("dma: 6.9's full flush is PASID-based: another process's ATC entries stay", "[sim][dma]") {
  const Stats st = full_flush_beside_dma("linux-6.9-vtd");
  REQUIRE(st.unmaps == 1);
  REQUIRE(st.dma.dma_completed == 8);
  CHECK(st.dma.atc_misses == 1);
  CHECK(st.dma.atc_hits == 7);
}

// intel_iommu_page_response() sends the answer through qi_submit_sync(); an invalid descriptor there (IQE) fails
// it with -EINVAL and the kernel does not resend it. The device's PRG Response time-out is not modelled, so the
// response reaches it anyway: its DMA ends and the run with it (no deadlock).
TEST_CASE("dma: a page response lost to an IQE still lets the faulting device finish", "[sim][dma]") {
  json doc = one_page_faulted_back();
  // After the unmap's flush: the next submission the IOMMU fetches is the page response.
  doc["topology"]["nodes"][1]["bad_descriptor_at_us"] = 8;
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 1);
  CHECK(st.dma.page_faults == 1);
  CHECK(st.total.invalidations_failed == 1);  // the page response's qi_submit_sync(): -EINVAL
  CHECK(st.dma.dma_completed == 6);
}

// amd_iommu_page_response() -> amd_iommu_complete_ppr() (6.10-6.15): one COMPLETE_PPR_REQUEST queued with
// iommu_queue_command() (iommu->lock, a tail write) and no completion wait; the IOMMU then sends the PRG
// Response. It is in no invalidation counter, but its tail write is.
TEST_CASE("dma: a page fault under AMD is answered through the command buffer and the device goes on", "[sim][dma]") {
  json doc = one_page_faulted_back();
  doc["profile"] = "linux-6.10-amd";
  const Stats st = simulate(doc);
  CHECK(st.dma.page_faults == 1);
  CHECK(st.dma.dma_completed == 6);
  CHECK(st.total.tail_writes == st.total.descriptors + st.total.invalidation_waits + st.dma.page_faults);
}

// Issue 13, measurement hygiene: the warm-up's cold misses stay out of the statistics.
TEST_CASE("dma: with a warm-up, a small working set's cold misses are not counted", "[sim][dma]") {
  json dma = {{"devices", "all"}, {"process", "app"}, {"request_bytes", 64}, {"queue_depth", 4},
              {"pattern", {{"kind", "uniform"}, {"working_set_pages", 8}}}};
  json doc = dma_doc(true, dma);
  doc["warmup_us"] = 100;
  const Stats st = simulate(doc);
  REQUIRE(st.dma.dma_completed > 100);
  CHECK(st.dma.atc_misses == 0);  // all 8 pages were translated during the warm-up
  CHECK(st.dma.page_walks == 0);
  CHECK(st.dma.dma_requests == st.dma.dma_completed + st.dma.dma_errors);
  // Every counted request was due after the warm-up: none took the cold path.
  CHECK(st.dma_latency.max() < 1000);
  REQUIRE(st.flows.size() == 1);
  CHECK(st.flows[0].first_issue_ns >= 100000);
  CHECK(st.flows[0].requests == st.dma.dma_requests);
}

// Issue 13, coordinated omission: an open-loop stream offered more than the device can carry shows its
// queueing in the latency from when each request was due; the service latency stays near the idle one.
TEST_CASE("dma: open-loop overload shows in the latency from arrival, not in the service time", "[sim][dma]") {
  json dma = {{"devices", "all"}, {"process", "app"}, {"request_bytes", 4096}, {"read_fraction", 0},
              {"rate_per_us", 4},  // 16 GB/s offered on a 7.88 GB/s link
              {"pattern", {{"kind", "uniform"}, {"working_set_pages", 8}}}};
  json doc = dma_doc(true, dma);
  doc["params"]["dma"] = {{"max_outstanding", 4}};
  doc["duration_us"] = 200;
  const Stats st = simulate(doc);
  REQUIRE(st.dma.dma_completed > 100);
  const double due_p50 = static_cast<double>(st.dma_latency.quantile(0.5));
  const double service_p50 = static_cast<double>(st.dma_service_latency.quantile(0.5));
  // Four 4 KiB writes in flight take ~4 x 0.55 us on the link: service stays within that, while requests
  // wait ever longer for a slot (the backlog grows through the run).
  CHECK(service_p50 < 3000);
  CHECK(due_p50 > 10 * service_p50);
  CHECK(st.flows[0].latency.quantile(0.5) == st.dma_latency.quantile(0.5));
  CHECK(st.dma_latency.count() == st.dma_service_latency.count());
}

// Nested translation (guest-nested: assigned devices, the guest's tables under the host's): the cold walk
// of the first request is two-dimensional and costs its reads in time.
TEST_CASE("dma: in a guest with nested translation a cold walk reads the second stage too", "[sim][dma][nested]") {
  json doc = dma_doc(false, same_page_twice());
  doc["environment"] = "guest-nested";
  const Stats st = simulate(doc);
  REQUIRE(st.dma.dma_completed == 2);
  CHECK(st.dma.page_walks == 1);
  CHECK(st.dma.s2_walk_reads == 17);  // PML4 page 4, PDPT/PD/PT pages 3 each, the data page 4
  CHECK(st.dma.walk_memory_reads == 4 + 17);
  CHECK(static_cast<double>(st.dma_latency.max()) == Approx(walk(21) + read_after_translation(true)).margin(1));
}
