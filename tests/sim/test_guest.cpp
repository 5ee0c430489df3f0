// Guests: every submission's tail write is one exit to the VMM, so exits follow the flush policy
// (2N..4N before 6.10, K + sum(ATS) in 6.10-6.11, sum ceil(D_i/16) from 6.12), and their cost lands in
// the unmap latency.
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {
// An exit to the VMM's user space costs the three parts of the exit path.
constexpr double kEntry = 1000, kKernel = 200, kUser = 2000, kExit = kEntry + kKernel + kUser;
constexpr double kEmulatedDesc = 150, kIommufd = 2000;

json in_guest(json doc, const char* environment, bool iommufd_batch = true) {
  doc["environment"] = environment;
  doc["params"]["vm"] = {{"exit_entry_ns", kEntry}, {"exit_kernel_ns", kKernel}, {"exit_user_ns", kUser},
                         {"emulated_desc_ns", kEmulatedDesc}, {"iommufd_ns", kIommufd}, {"iommufd_batch", iommufd_batch ? 1 : 0}};
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
  CHECK(st.total.vm_exit_vmm_wait_ns == 0);
  CHECK(st.total.vm_exit_ns == Approx(2 * (kExit + 3 * kEmulatedDesc + kIommufd + host)).margin(2));
  // ... and into its parts: the exit path, the emulation, the host's (whose wait is the part after its copy).
  CHECK(st.total.vm_exit_path_ns == Approx(2 * kExit).margin(1));
  CHECK(st.total.vm_emulation_ns == Approx(2 * 3 * kEmulatedDesc).margin(1));
  CHECK(st.total.vm_exit_host_ns == Approx(2 * (kIommufd + host)).margin(2));
  CHECK(st.total.vm_exit_host_wait_ns > 0);
  CHECK(st.total.vm_exit_host_wait_ns < 2 * host);
  CHECK(st.total.vm_host_submissions == 2);
  CHECK(st.total.vm_exit_path_ns + st.total.vm_exit_vmm_wait_ns + st.total.vm_emulation_ns + st.total.vm_exit_host_ns ==
        Approx(st.total.vm_exit_ns).margin(2));
}

// QEMU's nested VT-d and SMMUv3 front ends forward one request per ioctl (intel_iommu_accel.c,
// smmuv3-accel.c), and the host flushes each with its own qi_submit_sync(): one host submission per guest
// invalidation descriptor, each after its own ioctl.
TEST_CASE("guest: nested translation forwards each descriptor in its own iommufd call and host submission", "[sim][guest]") {
  Costs c;
  const Stats st = simulate(in_guest(generated_scenario("linux-6.12-vtd", 2, 2, c), "guest-nested", false));
  CHECK(st.total.vm_exits == 2);
  CHECK(st.total.vm_host_submissions == st.total.descriptors);
  CHECK(st.total.vm_host_submissions == 6);  // per IOMMU: the PIOTLB and two device-TLB descriptors
  std::uint64_t ats = 0;
  for (const auto& d : st.per_device) ats += d.ats_inv_requests;
  CHECK(ats == 4);
  // Each host submission pays its own ioctl: three per exit.
  CHECK(st.total.vm_exit_host_ns > 2 * 3 * kIommufd);
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

// arm_smmu_cmdq_issue_cmdlist(): a CPU claiming queue space while another owns the queue is gathered
// into the owner's PROD write, so under an emulated SMMUv3 two vCPUs flushing at once exit fewer times
// than they submit, and the gathered one polls its CMD_SYNC, completed by the owner's exit.
TEST_CASE("guest: SMMUv3 vCPUs flushing at once are gathered into the owner's PROD write: one exit", "[sim][guest]") {
  Costs c;
  json doc = in_guest(with_second_thread(generated_scenario("linux-6.11-smmuv3", 1, 2, c)), "guest-emulated-viommu");
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.submissions == 4);  // per unmap: the TLBI batch and the ATC batch, each with a CMD_SYNC
  CHECK(st.total.vm_exits < st.total.submissions);
  CHECK(st.total.vm_exits >= 2);
  CHECK(st.total.vm_exit_host_ns == 0);  // emulated: no host submission
}

// Issue 14: the VMM handles every vIOMMU's exits under one global lock (QEMU's BQL). Two vCPUs flushing
// per device (6.7: no domain lock) across two vIOMMUs in the same order exit into different vIOMMUs at
// once: the second waits for the BQL, and the wait is its own part of the exits' time.
TEST_CASE("guest: concurrent exits into two vIOMMUs wait for the VMM's global lock, and the wait is counted", "[sim][guest]") {
  Costs c;
  json doc = in_guest(with_second_thread(generated_scenario("linux-6.7-vtd", 2, 2, c)), "guest-emulated-viommu");
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 2);
  CHECK(st.total.vm_exit_vmm_wait_ns > 0);
  CHECK(st.total.vm_exit_vmm_wait_ns < st.total.vm_exit_ns);
  CHECK(st.total.vm_exit_path_ns + st.total.vm_exit_vmm_wait_ns + st.total.vm_emulation_ns ==
        Approx(st.total.vm_exit_ns).margin(2));
}
