// The queue disciplines and environments are pure: they drive the steps of QueueOps / VmmOps, which the
// engine gives time to. Here a recorder plays the queue, so each driver's protocol is pinned step by step
// (intel/dmar.c qi_submit_sync(), arm-smmu-v3.c arm_smmu_cmdq_issue_cmdlist(), amd/iommu.c
// iommu_completion_wait(); Linux 6.12 as read).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "models/environment/environment.hpp"
#include "models/queue/queue_discipline.hpp"

using namespace svasim;

namespace {

struct Recorder final : QueueOps, VmmOps {
  Submission sub{0, {Descriptor{DescKind::vtd_piotlb}, Descriptor{DescKind::vtd_devtlb, 1}}, true};
  // The first `timeouts` attempts time out: SMMUv3/AMD see their wait complete aborted; on VT-d the
  // queue stops with an ITE, which this CPU sees and clears, or (aborted_elsewhere) another CPU does.
  int timeouts = 0;
  bool gone = false;               // the device ITESID names is gone
  bool aborted_elsewhere = false;
  int polls = 1;                   // VT-d: status checks that find the wait not yet done
  bool run_over = false;
  std::vector<std::string> steps;

  const Submission& submission() const override { return sub; }
  void lock() override { steps.push_back("lock"); }
  void unlock() override { steps.push_back("unlock"); }
  void take_ring_slots(int n) override { steps.push_back("take " + std::to_string(n)); }
  void reclaim_ring_slots(int n) override { steps.push_back("reclaim " + std::to_string(n)); }
  bool owner = true;  // SMMUv3: the claim found the queue unowned
  bool claim_queue_space(int n) override {
    steps.push_back("claim " + std::to_string(n));
    return owner;
  }
  void write_commands() override {
    steps.push_back("write");
    start_attempt();
  }
  void ring_as_owner() override { steps.push_back("write PROD"); }
  void reserve_command_slots(int n) override { steps.push_back("room " + std::to_string(n)); }
  void write_and_ring() override {
    steps.push_back("write");
    start_attempt();
  }
  void write_command_and_ring(std::size_t i) override {
    steps.push_back(i < sub.descs.size() ? "write " + std::string(to_string(sub.descs[i].kind)) : "write wait");
    if (i == sub.descs.size()) start_attempt();
  }
  void wait_for_status() override {
    steps.push_back("wait");
    own_aborted = times_out;
  }
  bool cpu_gives_up = false;  // the IOMMU answers after the CPU's poll limit
  double poll_limit_ns = 0;
  bool wait_for_status_within(double limit_ns) override {
    wait_for_status();
    poll_limit_ns = limit_ns;
    if (cpu_gives_up) steps.back() = "give up";
    return !cpu_gives_up;
  }
  bool aborted() override {
    const bool a = own_aborted;
    own_aborted = false;
    return a;
  }
  bool status_done() override {
    const bool done = !times_out && --polls_left < 0;
    steps.push_back(done ? "status done" : "status");
    return done;
  }
  FaultStatus read_fault_status() override {
    steps.push_back("read fsts");
    return FaultStatus{iqe, ite};
  }
  bool clear_ite() override {
    steps.push_back("clear ite");
    ite = false;
    own_aborted = true;
    return !gone;
  }
  bool clear_iqe_if_own() override {
    steps.push_back(iqe_own ? "clear iqe" : "read iqh");
    if (iqe_own) iqe = false;
    return iqe_own;
  }
  bool iqe = false;      // VT-d: an invalid descriptor stopped the queue ...
  bool iqe_own = false;  // ... at this submission's first descriptor
  void relax() override {
    steps.push_back("relax");
    if (iqe && !iqe_own && --iqe_polls == 0) iqe = false;  // its owner clears it meanwhile
  }
  int iqe_polls = 1;
  bool abandon_if_run_over() override { return false; }
  bool resubmit(bool driver_retries) override {
    steps.push_back(driver_retries ? (run_over ? "abandon" : "resubmit") : "fail");
    return driver_retries && !run_over;
  }
  std::size_t descriptors() const override { return sub.descs.size(); }
  bool completes = true;
  bool completes_submission() const override { return completes; }
  void spend(double s, VmmPhase phase) override {
    steps.push_back(std::string(phase == VmmPhase::exit ? "exit " : phase == VmmPhase::emulation ? "emulate " : "call ") +
                    std::to_string(static_cast<long long>(s * 1e9 + 0.5)));
  }
  void lock_vmm(bool vcpu_waits) override { steps.push_back(vcpu_waits ? "bql" : "bql (main loop)"); }
  void unlock_vmm() override { steps.push_back("unbql"); }
  void emulate_invalidations() override { steps.push_back("emulate"); }
  void host_invalidate(bool per_descriptor, double call_s) override {
    steps.push_back(std::string(per_descriptor ? "host per descriptor " : "host batched ") +
                    std::to_string(static_cast<long long>(call_s * 1e9 + 0.5)));
  }

private:
  void start_attempt() {
    times_out = ++attempt <= timeouts;
    ite = times_out && !aborted_elsewhere;
    own_aborted = times_out && aborted_elsewhere;
    polls_left = polls;
  }
  int attempt = 0, polls_left = 0;
  bool times_out = false, ite = false, own_aborted = false;
};

using Steps = std::vector<std::string>;

std::unique_ptr<QueueDiscipline> queue(const std::string& name) { return QueueDiscipline::factory().make(name, Params{}); }

}  // namespace

// intel/dmar.c qi_submit_sync() (6.12): q_lock is held from the free-slot check through the spin; each poll
// runs qi_check_fault() (readl(DMAR_FSTS_REG)) and drops the lock only around cpu_relax().
TEST_CASE("queue vtd-qi: q_lock held while spinning, dropped only around cpu_relax(); count + 2 slots", "[queue]") {
  Recorder r;
  r.polls = 2;
  queue("vtd-qi")->issue(r);
  // 2 descriptors + the wait: 3 slots used, 4 needed (one kept empty), 3 reclaimed.
  CHECK(r.steps == Steps{"lock", "take 4", "write", "status", "read fsts", "relax", "status", "read fsts", "relax",
                         "status done", "reclaim 3", "unlock"});
}

// intel/dmar.c qi_check_fault() (6.9+): the CPU that sees ITE clears it, aborts every wait in flight and
// returns -ETIMEDOUT when the ITESID device is gone, whoever's descriptor timed out; a CPU whose wait another
// CPU aborted finds QI_ABORT first and returns -EAGAIN, even for a gone device: it resubmits.
TEST_CASE("queue vtd-qi: the CPU that clears the ITE decides -ETIMEDOUT; an aborted waiter resubmits", "[queue]") {
  Recorder seer;
  seer.timeouts = 1;
  seer.gone = true;
  queue("vtd-qi")->issue(seer);
  CHECK(seer.steps == Steps{"lock", "take 4", "write", "status", "read fsts", "clear ite", "reclaim 3", "unlock", "fail"});
  Recorder other;
  other.timeouts = 1;
  other.gone = true;
  other.aborted_elsewhere = true;
  queue("vtd-qi")->issue(other);
  CHECK(other.steps == Steps{"lock", "take 4", "write", "status", "reclaim 3", "unlock", "resubmit", "lock", "take 4",
                             "write", "status", "read fsts", "relax", "status done", "reclaim 3", "unlock"});
}

TEST_CASE("queue vtd-qi: -EAGAIN resubmits after an ITE; -ETIMEDOUT when the device is gone (6.9+)", "[queue]") {
  Recorder again;
  again.timeouts = 1;
  queue("vtd-qi")->issue(again);
  CHECK(std::count(again.steps.begin(), again.steps.end(), "write") == 2);
  CHECK(std::count(again.steps.begin(), again.steps.end(), "resubmit") == 1);
  Recorder gone;
  gone.timeouts = 5;
  gone.gone = true;
  queue("vtd-qi")->issue(gone);
  CHECK(std::count(gone.steps.begin(), gone.steps.end(), "write") == 1);
  CHECK(gone.steps.back() == "fail");
}

// intel/dmar.c qi_check_fault(): the ITESID / pci_device_is_present() check (80a9b50c0b9e) is 6.9+; 6.7 has
// none and answers -EAGAIN for every aborted wait, so a removed device makes qi_submit_sync() resubmit forever.
TEST_CASE("queue vtd-qi: 6.7 resubmits after an ITE even for a removed device", "[queue]") {
  Params p;
  p.set("vtd.ite_removed_device_fails", 0, "/profile");
  Recorder gone;
  gone.timeouts = 3;
  gone.gone = true;
  QueueDiscipline::factory().make("vtd-qi", p)->issue(gone);
  CHECK(std::count(gone.steps.begin(), gone.steps.end(), "write") == 4);
  CHECK(std::count(gone.steps.begin(), gone.steps.end(), "fail") == 0);
}

// intel/dmar.c qi_check_fault() (6.12): on IQE only the CPU whose submission starts at the queue head
// ((head >> shift) == index) copies its wait descriptor over the bad one, clears IQE and returns -EINVAL; a
// CPU behind it reads the head and spins on.
TEST_CASE("queue vtd-qi: an IQE fails its own submission with -EINVAL, never resubmitted; others spin on", "[queue]") {
  Recorder own;
  own.iqe = own.iqe_own = true;
  own.polls = 5;
  queue("vtd-qi")->issue(own);
  CHECK(own.steps == Steps{"lock", "take 4", "write", "status", "read fsts", "clear iqe", "reclaim 3", "unlock", "fail"});
  Recorder behind;
  behind.iqe = true;
  behind.polls = 2;
  queue("vtd-qi")->issue(behind);
  CHECK(behind.steps == Steps{"lock", "take 4", "write", "status", "read fsts", "read iqh", "relax", "status", "read fsts",
                              "relax", "status done", "reclaim 3", "unlock"});
}

// arm-smmu-v3.c (6.11): arm_smmu_cmdq_issue_cmdlist() claims room for its commands and CMD_SYNC first
// (queue_has_space(), arm_smmu_cmdq_poll_until_not_full()); arm_smmu_cmdq_poll_until_sync() returns
// -ETIMEDOUT without a retry; on CERROR_ATC_INV_SYNC arm_smmu_cmdq_skip_err() leaves CONS on the CMD_SYNC for
// the hardware to repeat.
TEST_CASE("queue smmu-cmdq: lock-free, a batch without CMD_SYNC is not waited for, a time-out never retried", "[queue]") {
  Recorder r;
  queue("smmu-cmdq")->issue(r);
  CHECK(r.steps == Steps{"claim 3", "write", "write PROD", "wait"});
  Recorder batch;
  batch.sub.wait = false;
  queue("smmu-cmdq")->issue(batch);
  CHECK(batch.steps == Steps{"claim 2", "write", "write PROD"});
  // A claim made while another CPU owns the queue: that owner writes PROD for it.
  Recorder gathered;
  gathered.owner = false;
  queue("smmu-cmdq")->issue(gathered);
  CHECK(gathered.steps == Steps{"claim 3", "write", "wait"});
  Recorder stuck;
  stuck.timeouts = 5;
  queue("smmu-cmdq")->issue(stuck);
  CHECK(stuck.steps == Steps{"claim 3", "write", "write PROD", "wait", "fail"});
}

// amd/iommu.c (6.10-6.15 as read): iommu_queue_command() takes iommu->lock per command and copy_cmd_to_buffer()
// writes MMIO_CMD_TAIL_OFFSET after each; iommu_completion_wait() holds iommu->lock across wait_on_sem().
TEST_CASE("queue amd-cmdbuf: a tail write per command under iommu->lock, the completion wait polled holding it", "[queue]") {
  Recorder r;
  r.sub = Submission{0, {Descriptor{DescKind::amd_inv_iommu_pages}, Descriptor{DescKind::amd_inv_iotlb_pages, 1}}, true};
  queue("amd-cmdbuf")->issue(r);
  CHECK(r.steps == Steps{"lock", "write amd_inv_iommu_pages", "unlock", "lock", "write amd_inv_iotlb_pages", "unlock",
                         "lock", "room 3", "write wait", "wait", "unlock"});
  Recorder stuck;
  stuck.sub = r.sub;
  stuck.timeouts = 5;
  queue("amd-cmdbuf")->issue(stuck);
  CHECK(stuck.steps.back() == "fail");  // IOTLB_INV_TIMEOUT before the CPU's limit: reported, never resubmitted
  CHECK(std::count(stuck.steps.begin(), stuck.steps.end(), "write wait") == 1);
}

// wait_on_sem() (amd/iommu.c, 6.7-6.15): LOOP_TIMEOUT polls of udelay(1), then -EIO; the lock is dropped
// and the commands are left to the IOMMU.
TEST_CASE("queue amd-cmdbuf: the CPU gives up on a completion wait after LOOP_TIMEOUT and goes on", "[queue]") {
  Recorder r;
  r.sub = Submission{0, {Descriptor{DescKind::amd_inv_iotlb_pages, 1}}, true};
  r.cpu_gives_up = true;
  queue("amd-cmdbuf")->issue(r);
  CHECK(r.steps == Steps{"lock", "write amd_inv_iotlb_pages", "unlock", "lock", "room 2", "write wait", "give up", "unlock",
                         "fail"});
  Params p;
  CHECK(r.poll_limit_ns == p.get("amd.completion_timeout_ns"));
  CHECK(p.get("amd.completion_timeout_ns") == 1e8);  // LOOP_TIMEOUT 100000 x udelay(1)
  CHECK(p.get("amd.inv_timeout_ns") == 1e9);         // CTRL_INV_TO_1S, iommu_init_flags()
}

TEST_CASE("queue: a time-out at the end of the run is abandoned, not retried", "[queue]") {
  Recorder r;
  r.timeouts = 5;
  r.run_over = true;
  queue("vtd-qi")->issue(r);
  CHECK(r.steps.back() == "abandon");
  CHECK(std::count(r.steps.begin(), r.steps.end(), "write") == 1);
}

TEST_CASE("queue: time-outs come from each driver family's parameter", "[queue]") {
  Params p;
  CHECK(QueueDiscipline::factory().make("vtd-qi", p)->ats_timeout_ns() == p.get("vtd.ite_timeout_ns"));
  CHECK(QueueDiscipline::factory().make("smmu-cmdq", p)->ats_timeout_ns() == p.get("smmu.sync_timeout_ns"));
  CHECK(QueueDiscipline::factory().make("amd-cmdbuf", p)->ats_timeout_ns() == p.get("amd.inv_timeout_ns"));
  CHECK(QueueDiscipline::factory().make("vtd-qi", p)->drains_page_requests());
  CHECK_FALSE(QueueDiscipline::factory().make("smmu-cmdq", p)->drains_page_requests());
}

TEST_CASE("environments: what the VMM does on a trapped tail write", "[environment]") {
  Params p;
  const auto bare = Environment::factory().make("bare-metal", p);
  CHECK_FALSE(bare->is_guest());
  CHECK_FALSE(bare->tail_write_traps());
  auto ns = [&](double v) { return std::to_string(static_cast<long long>(v + 0.5)); };
  // An MMIO exit to the VMM's user space: the round trip, KVM's decoding, the way out to QEMU and back.
  const std::string user_exit = "exit " + ns(p.get("vm.exit_entry_ns") + p.get("vm.exit_kernel_ns") + p.get("vm.exit_user_ns"));
  const std::string emulate2 = "emulate " + ns(2 * p.get("vm.emulated_desc_ns"));
  Recorder emulated;
  const auto em = Environment::factory().make("guest-emulated-viommu", p);
  CHECK(em->is_guest());
  CHECK(em->tail_write_traps());
  em->handle_tail_write(emulated);
  // The exit, then under the BQL each of the 2 descriptors emulated, then the caches.
  CHECK(emulated.steps == Steps{user_exit, "bql", emulate2, "emulate", "unbql"});
  // Nested: QEMU forwards one request per descriptor (intel_iommu_accel.c, smmuv3-accel.c) by default.
  Recorder nested;
  Environment::factory().make("guest-nested", p)->handle_tail_write(nested);
  CHECK(nested.steps == Steps{user_exit, "bql", emulate2, "host per descriptor " + ns(p.get("vm.iommufd_ns")), "unbql"});
  Params batched;
  batched.set("vm.iommufd_batch", 1, "");
  Recorder one;
  Environment::factory().make("guest-nested", batched)->handle_tail_write(one);
  CHECK(one.steps[3] == "host batched " + ns(p.get("vm.iommufd_ns")));
  // AMD's tail write per command: the exits before the last command only cost the exit and the decoding;
  // the host gets the commands with the last.
  Recorder early;
  early.completes = false;
  Environment::factory().make("guest-nested", p)->handle_tail_write(early);
  CHECK(early.steps == Steps{user_exit, "bql", emulate2, "unbql"});
  // virtio-iommu: a kernel-handled kick (ioeventfd), then QEMU's main loop under the BQL while the vCPU polls.
  Recorder virtio;
  Environment::factory().make("guest-virtio-iommu", p)->handle_tail_write(virtio);
  CHECK(virtio.steps == Steps{"exit " + ns(p.get("vm.exit_entry_ns") + p.get("vm.exit_kernel_ns")), "bql (main loop)",
                              "emulate " + ns(p.get("vm.virtio_request_ns")), "host batched 0", "unbql"});
  // A hardware-accelerated queue: a guest, nested, and nothing traps.
  const auto hw = Environment::factory().make("guest-hw-queue", p);
  CHECK(hw->is_guest());
  CHECK(hw->nested_translation());
  CHECK_FALSE(hw->tail_write_traps());
}
