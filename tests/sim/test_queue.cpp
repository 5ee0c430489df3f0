// The queue discipline and conservation: every submission completes, every ATS request is answered,
// the q_lock serialises writers, and unmaps before a bind do not flush the device.
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;


TEST_CASE("queue: two CPUs submitting at once contend for the VT-d q_lock", "[sim][queue]") {
  Costs c;
  // linux-6.9-vtd flushes without a domain lock, so both CPUs reach the queue at once.
  const Stats st = simulate(with_second_thread(generated_scenario("linux-6.9-vtd", 1, 1, c)));
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.tail_writes == st.total.submissions);  // qi_submit_sync() writes DMAR_IQT_REG once
  // The second writer waits while the first copies its PIOTLB + wait descriptors.
  CHECK(st.total.queue_lock_wait_ns >= c.submit + 2 * c.desc_write - 1);
  CHECK(st.domain_lock_wait.count() == 0);
  // Its wait then completes behind the first one's: the queue retires in order.
  CHECK(st.unmap_latency.max() > st.unmap_latency.min());
}

// intel/dmar.c qi_submit_sync() (6.12 as read): the spin holds q_lock, reads DMAR_FSTS_REG in each
// qi_check_fault() and drops the lock only around cpu_relax().
TEST_CASE("queue: a VT-d CPU spinning on a slow wait holds q_lock through each fault-status read", "[sim][queue]") {
  Costs c;
  c.reg_read = 5000;
  json doc = with_second_thread(generated_scenario("linux-6.9-vtd", 1, 1, c, json::array({0})));
  doc["params"]["device"]["ats_inv_ns"] = 30000;
  doc["workload"]["unmaps"][1]["arrival"]["at_us"] = json::array({10});  // while the first CPU spins on its devTLB wait
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  // The second CPU reaches q_lock during a read and waits for it to end, never longer: the spinner drops
  // the lock for cpu_relax() and the waiter is next.
  CHECK(st.queue_lock_wait.max() > 0);
  CHECK(static_cast<double>(st.queue_lock_wait.max()) <= c.reg_read);
  // The spinners' retakes wait for each other's reads too, and count in the IOMMU's total.
  CHECK(st.total.queue_lock_wait_ns > static_cast<double>(st.queue_lock_wait.max()) + c.reg_read);
}

TEST_CASE("queue: SMMUv3's lock-free command queue never waits for a lock", "[sim][queue]") {
  Costs c;
  const Stats st = simulate(with_second_thread(generated_scenario("linux-6.11-smmuv3", 1, 2, c)));
  CHECK(st.unmaps == 2);
  CHECK(st.total.queue_lock_wait_ns == 0);
  CHECK(st.queue_lock_wait.count() == 0);
  CHECK(st.domain_lock_wait.max() == 0);  // devices_lock only over ATC batches issued while gathering
}

// arm_smmu_atc_inv_domain() (6.11 as read): a batch that fills while the ATC_INVs are gathered under
// smmu_domain->devices_lock is issued with the lock held, so two CPUs flushing the domain take turns there.
TEST_CASE("queue: SMMUv3 flushes of one domain with more ATC commands than a batch meet at devices_lock", "[sim][queue]") {
  Costs c;
  json doc = with_second_thread(generated_scenario("linux-6.11-smmuv3", 1, 1, c));
  doc["topology"]["generate"]["device"]["streams"] = 20;
  doc["params"]["smmu"] = {{"cmdq_batch_size", 8}};  // ATC_INVs: 8 and 8 under the lock, 4 + CMD_SYNC after it
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  CHECK(st.domain_lock_wait.count() == 2);
  // The second CPU waits while the first writes its two full batches (and their PRODs), never for a CMD_SYNC.
  CHECK(static_cast<double>(st.domain_lock_wait.max()) >= 16 * c.desc_write);
  CHECK(static_cast<double>(st.domain_lock_wait.max()) < c.ats_round_trip());
}

// arm_smmu_cmdq_issue_cmdlist() (6.11 as read): the CPU whose cmpxchg on prod finds CMDQ_PROD_OWNED_FLAG
// clear owns the queue; once the previous owner is done it clears the flag, waits for the slots claimed
// meanwhile to be valid and writes PROD once (writel_relaxed(prod, cmdq->q.prod_reg)) for all of them.
TEST_CASE("queue: SMMUv3's queue owner writes PROD once for the commands other CPUs claimed meanwhile", "[sim][queue]") {
  Costs c;
  const Stats st = simulate(with_second_thread(generated_scenario("linux-6.11-smmuv3", 1, 2, c)));
  REQUIRE(st.unmaps == 2);
  // Both CPUs claim their first submission at the same instant: one PROD write carries both. Later ones
  // may or may not overlap; none is written twice.
  CHECK(st.total.tail_writes < st.total.submissions);
  CHECK(2 * st.total.tail_writes >= st.total.submissions);
}

TEST_CASE("queue: conservation under load: every wait and every ATS request completes", "[sim][queue]") {
  Costs c;
  auto doc = generated_scenario("linux-6.11-smmuv3", 2, 3, c);
  // 600 pages: one command per page would exceed the 512 limit -> by-ASID; 300 pages -> 300 TLBI_VA
  // commands in 64-command batches issued without CMD_SYNC.
  doc["workload"]["unmaps"] = json::array(
      {{{"process", "app"}, {"cpu", 0}, {"arrival", {{"poisson_per_ms", 200}}}, {"count", 300}, {"pages", {{"choice", {1, 300, 600}}}}},
       {{"process", "app"}, {"cpu", 1}, {"arrival", {{"poisson_per_ms", 200}}}, {"count", 300}, {"pages", {{"uniform", {1, 64}}}}}});
  const Stats st = simulate(doc);
  CHECK(st.unmaps == 600);
  CHECK(st.submission_latency.count() == st.total.invalidation_waits);
  std::uint64_t requests = 0, answered = 0;
  for (const auto& d : st.per_device) {
    requests += d.ats_inv_requests;
    answered += d.ats_inv_latency.count();
  }
  CHECK(requests == st.total.devtlb_invalidations);
  CHECK(answered == requests);
  CHECK(st.total.submissions > st.total.invalidation_waits);  // full batches went without CMD_SYNC
}

TEST_CASE("queue: an unmap before a device is bound does not flush it", "[sim][queue]") {
  Costs c;
  auto doc = generated_scenario("linux-6.9-vtd", 1, 2, c, json::array({0, 100}));
  doc["processes"][0]["bind"] = json::array({{{"device", "dev0"}, {"at_us", 0}}, {{"device", "dev1"}, {"at_us", 50}}});
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  // First unmap: dev0 only (2 submissions); second: both (4).
  CHECK(st.total.invalidation_waits == 6);
  CHECK(st.per_device[0].ats_inv_requests == 2);
  CHECK(st.per_device[1].ats_inv_requests == 1);
}

TEST_CASE("queue: the ITag limit stalls the queue until a device answers", "[sim][queue]") {
  Costs c;
  // Two devTLB slots per device: the quirk device gets 2 devTLB descriptors per chunk.
  auto doc = generated_scenario("linux-6.12-vtd", 1, 1, c);
  doc["topology"]["generate"]["device"]["extra_devtlb_quirk"] = true;
  doc["params"]["device"]["max_ats_inv_outstanding"] = 1;
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 1);
  // With one ITag the second request (already decoded) leaves only after the first answer: two serial
  // round trips instead of two overlapping ones (its decode overlaps the first trip).
  CHECK(static_cast<double>(st.unmap_latency.max()) ==
        Approx(c.notifier + c.vtd_submission(3, c.iotlb + c.issue + 2 * c.ats_round_trip())).margin(1));
}

TEST_CASE("queue: a full VT-d ring makes the next submitter wait until a wait is reclaimed", "[sim][queue]") {
  Costs c;
  json doc = with_second_thread(generated_scenario("linux-6.9-vtd", 1, 1, c));
  // A PIOTLB submission is 2 slots and needs 3 free: a 4-slot ring holds one at a time.
  doc["params"]["vtd"] = {{"qi_ring_entries", 4}, {"qi_batch_size", 1}};
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.ring_full_waits >= 1);
  CHECK(st.total.ring_wait_ns > c.ats_round_trip());
}

TEST_CASE("queue: 6.12 flushes of one domain serialise on its cache_lock", "[sim][queue]") {
  Costs c;
  const Stats st = simulate(with_second_thread(generated_scenario("linux-6.12-vtd", 1, 2, c)));
  REQUIRE(st.unmaps == 2);
  CHECK(st.domain_lock_wait.count() == 2);
  // The second CPU waits for the whole first flush (its batch and its wait), never for q_lock.
  const double batch = c.vtd_submission(3, c.iotlb + 2 * c.issue + c.ats_round_trip());
  CHECK(static_cast<double>(st.domain_lock_wait.max()) == Approx(batch).margin(2));
  CHECK(st.total.queue_lock_wait_ns == 0);
}

// amd/iommu.c iommu_completion_wait(): iommu->lock is held across wait_on_sem(), so a second process's
// commands to the same IOMMU wait for the first one's whole completion wait (its ATS round trip), though
// their domains differ (no sva_pdom->lock in common).
TEST_CASE("queue: AMD holds iommu->lock across the completion wait: another process's flush waits for it", "[sim][queue]") {
  Costs c;
  json doc = generated_scenario("linux-6.10-amd", 1, 1, c);
  doc["processes"].push_back({{"name", "other"}, {"bind", "all"}});
  json second = doc["workload"]["unmaps"][0];
  second["process"] = "other";
  second["cpu"] = 1;
  doc["workload"]["unmaps"].push_back(second);
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  CHECK(st.domain_lock_wait.max() == 0);  // two domains: no common domain lock
  // copy_cmd_to_buffer() writes MMIO_CMD_TAIL_OFFSET after every command.
  CHECK(st.total.tail_writes == st.total.descriptors + st.total.invalidation_waits);
  CHECK(static_cast<double>(st.queue_lock_wait.max()) >= c.ats_round_trip());
  CHECK(static_cast<double>(st.unmap_latency.max()) >= 2 * c.ats_round_trip());
}

// arm-smmu-v3.c (6.11) arm_smmu_cmdq_issue_cmdlist(): no room for a batch and its CMD_SYNC means polling
// CONS (arm_smmu_cmdq_poll_until_not_full()) until the SMMU has consumed enough.
TEST_CASE("queue: a full SMMUv3 command queue makes the CPU wait for the SMMU to consume a batch", "[sim][queue]") {
  Costs c;
  json doc = generated_scenario("linux-6.11-smmuv3", 1, 1, c, json::array({0}), 200);
  doc["params"]["smmu"] = {{"cmdq_entries", 65}};
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 1);
  // 200 TLBI_VA in batches of 64 in a 65-entry queue: the second and third full batches each wait until the
  // SMMU has worked through the 64 commands before them.
  CHECK(st.total.ring_full_waits >= 2);
  CHECK(st.total.tail_writes == st.total.submissions);  // one CPU: the owner of each of its submissions
  CHECK(st.total.ring_wait_ns >= 2 * 64 * c.iotlb);
}
