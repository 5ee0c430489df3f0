// Guests: every submission's tail write is one exit to the VMM, so exits follow the flush policy
// (2N..4N before 6.10, K + sum(ATS) in 6.10-6.11, sum ceil(D_i/16) from 6.12), and their cost lands in
// the unmap latency.
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {
constexpr double kExit = 3200, kEmulatedDesc = 150, kIommufd = 2000;

json in_guest(json doc, const char* environment) {
  doc["environment"] = environment;
  doc["params"]["vm"] = {{"exit_ns", kExit}, {"emulated_desc_ns", kEmulatedDesc}, {"iommufd_ns", kIommufd}};
  return doc;
}

// One VT-d submission of n descriptors in a guest with an emulated vIOMMU: the guest copies, exits, the VMM
// processes the descriptors, the guest resumes and its first status check sees the wait done.
double emulated_submission(const Costs& c, double n) { return c.submit + (n + 1) * c.desc_write + kExit + n * kEmulatedDesc; }
}  // namespace

TEST_CASE("guest: emulated vIOMMU under linux-6.9-vtd exits once per submission (2N)", "[sim][guest]") {
  Costs c;
  const Stats st = simulate(in_guest(generated_scenario("linux-6.9-vtd", 1, 4, c), "guest-emulated-viommu"));
  REQUIRE(st.unmaps == 1);
  CHECK(st.total.vm_exits == 8);
  CHECK(st.total.vm_exits == st.total.submissions);
  CHECK(st.total.devtlb_invalidations == 4);
  std::uint64_t ats = 0;
  for (const auto& d : st.per_device) ats += d.ats_inv_requests;
  CHECK(ats == 0);  // emulated devices: no physical ATS traffic
  CHECK(static_cast<double>(st.unmap_latency.max()) == Approx(c.notifier + 8 * emulated_submission(c, 1)).margin(1));
}

TEST_CASE("guest: emulated vIOMMU under linux-6.10-vtd exits K + sum(ATS) times", "[sim][guest]") {
  Costs c;
  const Stats st = simulate(in_guest(generated_scenario("linux-6.10-vtd", 2, 3, c), "guest-emulated-viommu"));
  CHECK(st.total.vm_exits == 2 + 6);
  CHECK(static_cast<double>(st.unmap_latency.max()) == Approx(c.notifier + 8 * emulated_submission(c, 1)).margin(1));
}

TEST_CASE("guest: nested translation under linux-6.12-vtd exits once per IOMMU batch and waits for the host", "[sim][guest]") {
  Costs c;
  const Stats st = simulate(in_guest(generated_scenario("linux-6.12-vtd", 2, 2, c), "guest-nested"));
  CHECK(st.total.vm_exits == 2);
  CHECK(st.total.vm_exits == st.total.submissions);
  std::uint64_t ats = 0;
  for (const auto& d : st.per_device) ats += d.ats_inv_requests;
  CHECK(ats == 4);  // the host's physical invalidations reach the devices
  // Per IOMMU: guest copy, exit, VMM processing and iommufd, then the host's bare-metal qi_submit_sync().
  const double host = c.vtd_submission(3, c.iotlb + 2 * c.issue + c.ats_round_trip());
  const double per_iommu = c.submit + 4 * c.desc_write + kExit + 3 * kEmulatedDesc + kIommufd + host;
  CHECK(static_cast<double>(st.unmap_latency.max()) == Approx(c.notifier + 2 * per_iommu).margin(1));
  // The exits' time splits into the host's share and the rest; one unmap thread never waits for the VMM.
  CHECK(st.total.vm_exit_host_ns == Approx(2 * host).margin(2));
  CHECK(st.total.vm_exit_vmm_wait_ns == 0);
  CHECK(st.total.vm_exit_ns == Approx(2 * (kExit + 3 * kEmulatedDesc + kIommufd + host)).margin(2));
}

TEST_CASE("guest: SMMUv3 batches issued without CMD_SYNC still exit on their producer write", "[sim][guest]") {
  Costs c;
  json doc = in_guest(generated_scenario("linux-6.11-smmuv3", 1, 2, c, json::array({0}), 100), "guest-emulated-viommu");
  const Stats st = simulate(doc);
  // 100 pages: 100 TLBI_VA in batches of 64 (one without sync) + ATC_INV batch: 3 submissions.
  CHECK(st.total.submissions == 3);
  CHECK(st.total.vm_exits == 3);
  CHECK(st.total.invalidation_waits == 2);
}

// amd/iommu.c copy_cmd_to_buffer() writes the tail register after every command, so each of
// INVALIDATE_IOMMU_PAGES, INVALIDATE_IOTLB_PAGES and COMPLETION_WAIT traps: 3N exits for N ATS devices,
// against N submissions.
TEST_CASE("guest: AMD writes the tail per command, so an emulated vIOMMU exits three times per device", "[sim][guest]") {
  Costs c;
  const Stats st = simulate(in_guest(generated_scenario("linux-6.10-amd", 1, 3, c), "guest-emulated-viommu"));
  REQUIRE(st.unmaps == 1);
  CHECK(st.total.submissions == 3);
  CHECK(st.total.vm_exits == 9);
  // Per device: three commands each with its tail write, two exits emulating one command, the
  // COMPLETION_WAIT's exit, the first poll.
  const double per_device = 3 * (c.submit + c.desc_write) + 2 * (kExit + kEmulatedDesc) + kExit + c.poll;
  CHECK(static_cast<double>(st.unmap_latency.max()) == Approx(c.notifier + 3 * per_device).margin(1));
}

// Issue 14 (in part): the exits' time separates waiting for the VMM from the rest. SMMUv3's command queue
// has no driver lock, so two vCPUs flushing at once exit together and the second waits for the VMM's
// emulation of the vIOMMU's queue, one exit at a time.
TEST_CASE("guest: concurrent exits into one emulated vIOMMU wait for the VMM, and the wait is counted", "[sim][guest]") {
  Costs c;
  json doc = in_guest(with_second_thread(generated_scenario("linux-6.11-smmuv3", 1, 2, c)), "guest-emulated-viommu");
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.vm_exit_vmm_wait_ns > 0);
  CHECK(st.total.vm_exit_host_ns == 0);  // emulated: no host submission
  CHECK(st.total.vm_exit_vmm_wait_ns < st.total.vm_exit_ns);
}
