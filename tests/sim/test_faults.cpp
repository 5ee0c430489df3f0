// Faults of the simulated hardware: devices that do not answer ATS invalidations, and devices that are
// removed. The run reports what the kernel would (time-outs, retries, failures) and always ends.
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {
// One ATS device, one unmap at 5 us; the device's fault and the time-outs are set by each test.
json faulty(const char* profile, json device_faults) {
  Costs c;
  json doc = generated_scenario(profile, 1, 1, c, json::array({5}));
  doc["duration_us"] = 200;
  for (auto& [k, v] : device_faults.items()) doc["topology"]["generate"]["device"][k] = v;
  doc["params"]["vtd"] = {{"ite_timeout_ns", 10000}};
  doc["params"]["smmu"] = {{"sync_timeout_ns", 10000}};
  // The AMD IOMMU's own time-out first; its CPU would poll 10 times longer (set below where it does not).
  doc["params"]["amd"] = {{"inv_timeout_ns", 10000}, {"completion_timeout_ns", 100000}};
  return doc;
}
}  // namespace

TEST_CASE("faults: VT-d resubmits after each invalidation time-out until the stuck device answers", "[sim][faults]") {
  const Stats st = simulate(faulty("linux-6.12-vtd", {{"stuck_from_us", 0}, {"stuck_until_us", 50}}));
  REQUIRE(st.unmaps == 1);
  // Each attempt is a 10 us time-out plus ~1.4 us of resubmission: the devTLB request leaves at ~6,
  // 17, 29 and 40 us (all dropped) and at ~51 us, after the device recovered, when it is answered.
  CHECK(st.total.ats_inv_timeouts == 4);
  CHECK(st.total.resubmissions == 4);
  CHECK(st.total.invalidations_failed == 0);
  CHECK(static_cast<double>(st.unmap_latency.max()) > 45000);
}

TEST_CASE("faults: VT-d gives up with -ETIMEDOUT on a device that is gone", "[sim][faults]") {
  const Stats st = simulate(faulty("linux-6.12-vtd", {{"removed_at_us", 1}}));
  CHECK(st.total.ats_inv_timeouts == 1);
  CHECK(st.total.resubmissions == 0);
  CHECK(st.total.invalidations_failed == 1);
}

// qi_check_fault() before 80a9b50c0b9e (v6.9): no pci_device_is_present() check, every aborted wait is -EAGAIN.
TEST_CASE("faults: 6.7 resubmits for ever to a device that is gone; the run still ends", "[sim][faults]") {
  const Stats st = simulate(faulty("linux-6.7-vtd", {{"removed_at_us", 1}}));
  CHECK(st.total.invalidations_failed == 0);
  CHECK(st.total.invalidations_abandoned == 1);
  CHECK(st.total.resubmissions >= 17);  // every ~11 us for the rest of the 200 us run
  CHECK(st.unmaps == 1);
}

TEST_CASE("faults: a device stuck for ever leaves the CPU retrying and the run still ends", "[sim][faults]") {
  const Stats st = simulate(faulty("linux-6.9-vtd", {{"stuck_from_us", 0}}));
  CHECK(st.total.invalidations_abandoned == 1);
  // One per attempt for the 200 us of the run: the 10 us time-out plus at most 2 us to see and clear the
  // ITE (a poll, three register reads) and resubmit.
  CHECK(st.total.ats_inv_timeouts >= 200 / 12);
  CHECK(st.total.ats_inv_timeouts <= 200 / 10);
  CHECK(st.unmaps == 1);
}

// Two CPUs spinning on waits a stuck device will never answer, with the hardware's own 60 s ITE time-out: each
// would poll (contending for q_lock at every fault-status read) until then. At the end of the run they stop
// simulating it: the invalidations count as abandoned and the run ends with its duration, not at 60 s.
TEST_CASE("faults: VT-d CPUs still spinning when the run ends abandon their waits", "[sim][faults]") {
  Costs c;
  json doc = with_second_thread(generated_scenario("linux-6.12-vtd", 1, 1, c, json::array({5})));
  doc["duration_us"] = 200;
  doc["topology"]["generate"]["device"]["stuck_from_us"] = 0;
  const Stats st = simulate(doc);
  CHECK(st.total.invalidations_abandoned == 2);
  CHECK(st.total.ats_inv_timeouts == 0);
  CHECK(st.simulated_ns < 210000);
}

// arm-smmu-v3.c (6.11): no software retry after a CMD_SYNC time-out (arm_smmu_cmdq_poll_until_sync()).
TEST_CASE("faults: SMMUv3 reports the CMD_SYNC time-out and goes on", "[sim][faults]") {
  // One simulation per process: SMMUv3 here, AMD below.
  const Stats st = simulate(faulty("linux-6.11-smmuv3", {{"stuck_from_us", 0}}));
  CHECK(st.total.ats_inv_timeouts == 1);
  CHECK(st.total.resubmissions == 0);
  CHECK(st.total.invalidations_failed == 1);
}

TEST_CASE("faults: AMD reports the completion-wait time-out and goes on", "[sim][faults]") {
  const Stats st = simulate(faulty("linux-6.10-amd", {{"stuck_from_us", 0}}));
  CHECK(st.total.ats_inv_timeouts == 1);
  CHECK(st.total.resubmissions == 0);
  CHECK(st.total.invalidations_failed == 1);
}

// wait_on_sem() (amd/iommu.c) polls LOOP_TIMEOUT times, then returns -EIO; the IOMMU waits for the device
// for its own time-out (CTRL_INV_TO_1S, iommu_init_flags()), and the commands behind wait with it.
TEST_CASE("faults: an AMD CPU stops waiting before the IOMMU does; the next flush waits behind the stuck one", "[sim][faults]") {
  json doc = faulty("linux-6.10-amd", {{"stuck_from_us", 0}});
  doc["workload"]["unmaps"][0]["arrival"]["at_us"] = {5, 40};
  doc["params"]["amd"] = {{"completion_timeout_ns", 10000}, {"inv_timeout_ns", 100000}};
  doc["duration_us"] = 180;
  const Stats st = simulate(doc);
  CHECK(st.unmaps == 2);
  CHECK(st.total.invalidations_failed == 2);  // both CPUs gave up after 10 us ...
  CHECK(static_cast<double>(st.unmap_latency.max()) < 15000);
  // ... while the IOMMU timed out the first request only at ~105 us; the second request left then, and
  // its own time-out (~205 us) falls after the end of the run.
  CHECK(st.total.ats_inv_timeouts == 1);
}

// __iommu_queue_command_sync() (amd/iommu.c): a command is written only with more than two commands' room
// after it, the CPU polling the head register meanwhile with iommu->lock held. While the IOMMU waits out a
// stuck device, the CPUs that gave up leave their commands in the buffer, and a small one fills.
TEST_CASE("faults: a full AMD command buffer makes the next flush wait until the IOMMU moves on", "[sim][faults]") {
  json doc = faulty("linux-6.10-amd", {{"stuck_from_us", 0}});
  doc["workload"]["unmaps"][0]["arrival"]["at_us"] = {5, 20, 35};
  doc["params"]["amd"] = {{"completion_timeout_ns", 10000}, {"inv_timeout_ns", 100000}, {"cmdbuf_entries", 8}};
  doc["duration_us"] = 300;
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 3);
  // The IOMMU is stuck on the first flush's device-IOTLB invalidation; the second's 3 commands wait behind it
  // and leave 5 of the 8 entries free, too few for the third's 3 plus the 3 kept free: the third waits for room
  // until the IOMMU's time-out of the first (~105 us) lets it consume the second's, then gives up 10 us later.
  CHECK(st.total.ring_full_waits == 1);
  CHECK(static_cast<double>(st.unmap_latency.max()) > 105000 - 35000);
  CHECK(st.total.invalidations_failed == 3);
  // The first's time-out at ~105 us; the run ends with its last CPU (~118 us), the second's request pending.
  CHECK(st.total.ats_inv_timeouts == 1);
}

TEST_CASE("faults: a removed device stops its DMA and the rest of the run goes on", "[sim][faults]") {
  Costs c;
  json doc = generated_scenario("linux-6.12-vtd", 1, 2, c, json::array({10, 60}));
  doc["duration_us"] = 100;
  doc["params"]["vtd"] = {{"ite_timeout_ns", 5000}};
  doc["workload"]["dma"] = json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", 4096}, {"queue_depth", 2}}});
  // dev1 disappears at 30 us: its DMA stops; the unmap at 60 us times out on it and fails.
  json explicit_doc = doc;
  explicit_doc["topology"] = {{"nodes", json::array({{{"name", "cpu0"}, {"kind", "cpu"}, {"cores", 2}},
                                                     {{"name", "dmar0"}, {"kind", "iommu"}},
                                                     {{"name", "dev0"}, {"kind", "device"}},
                                                     {{"name", "dev1"}, {"kind", "device"}, {"removed_at_us", 30}}})},
                              {"links", json::array({{{"from", "cpu0"}, {"to", "dmar0"}},
                                                     {{"from", "dmar0"}, {"to", "dev0"}},
                                                     {{"from", "dmar0"}, {"to", "dev1"}}})}};
  const Stats st = simulate(explicit_doc);
  CHECK(st.unmaps == 2);
  CHECK(st.total.invalidations_failed == 1);
  CHECK(st.per_device[1].last_completion_ns < 40000);
  CHECK(st.per_device[0].last_completion_ns > 90000);
}

// intel/dmar.c qi_check_fault() (6.9+): an ITE aborts every wait in flight, not only the one whose request
// timed out, and the CPU that sees and clears it decides: -ETIMEDOUT when the ITESID device is gone. Every
// other aborted wait returns -EAGAIN and is resubmitted, whatever device it targets.
TEST_CASE("faults: an ITE aborts every VT-d wait in flight; only the CPU that clears it gives up", "[sim][faults]") {
  Costs c;
  json doc = generated_scenario("linux-6.9-vtd", 1, 2, c, json::array({5}));
  doc["duration_us"] = 200;
  doc["params"]["vtd"]["ite_timeout_ns"] = 10000;
  doc["topology"]["generate"]["device"]["removed_at_us"] = 1;
  doc = with_second_thread(doc);
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  // Both CPUs' devTLB invalidations of the removed device time out; at the first ITE the other CPU's
  // submission is in flight behind it and is aborted too.
  CHECK(st.total.resubmissions >= 1);
  CHECK(st.total.invalidations_failed >= 1);
  // Each ITE is cleared by one CPU, which gives up (the ITESID device is gone); every other failure or retry
  // is a wait that ITE aborted.
  CHECK(st.total.invalidations_failed == st.total.ats_inv_timeouts);
}

// intel/dmar.c qi_check_fault() (6.12): IQE stops the queue at the invalid descriptor; the CPU whose
// submission starts there copies its wait descriptor over it, clears IQE and returns -EINVAL, never
// resubmitting; the hardware then goes on with the rest of that submission and the submissions behind it.
namespace {
Stats two_cpus_meet_an_invalid_descriptor(const char* profile) {
  Costs c;
  json doc = generated_scenario(profile, 1, 2, c, json::array({5}));
  doc["duration_us"] = 200;
  doc["topology"]["generate"]["iommu"] = {{"bad_descriptor_at_us", 5}};
  doc = with_second_thread(doc);
  return simulate(doc);
}
}  // namespace

// 6.12: one batch per CPU (serialised on cache_lock); the bad descriptor is the batch's PIOTLB.
TEST_CASE("faults: an invalid VT-d descriptor (IQE) fails its submission with -EINVAL; the rest is processed", "[sim][faults]") {
  const Stats st = two_cpus_meet_an_invalid_descriptor("linux-6.12-vtd");
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.invalidations_failed == 1);
  CHECK(st.total.resubmissions == 0);
  CHECK(st.total.ats_inv_timeouts == 0);
  // The failed batch's devTLB descriptors still reach the devices, as do the other CPU's.
  for (const auto& d : st.per_device) CHECK(d.ats_inv_requests == 2);
}

// 6.9: no domain lock, so the other CPU's submissions wait in the ring behind the stopped one, reading IQH
// at each poll; they complete once the owner cleared the fault.
TEST_CASE("faults: an IQE holds up the other CPUs' submissions until its owner clears it", "[sim][faults]") {
  const Stats st = two_cpus_meet_an_invalid_descriptor("linux-6.9-vtd");
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.invalidations_failed == 1);
  CHECK(st.total.resubmissions == 0);
  CHECK(st.total.submissions == 8);  // per CPU and device: a PIOTLB and a devTLB submission
  for (const auto& d : st.per_device) CHECK(d.ats_inv_requests == 2);
}
