// Issuing one planned submission from a CPU actor: the queue discipline (models/queue/) decides the
// steps, the environment (models/environment/) decides which queue they act on. On bare metal that is
// the IOMMU's physical queue; in a guest it is the vIOMMU's, whose tail-register write traps to the VMM.
// This file gives those steps time: SimGrid mutexes, sleeps and transfers. Shared by every CPU-side
// actor (unmap threads, bind/unbind).
#include <simgrid/Exception.hpp>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "engine/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_submit, "svasim: queue submissions (qi_submit_sync, cmdq, cmdbuf) and VM exits");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

double now() { return sg4::Engine::get_clock(); }

// Takes a queue lock, charging the wait to the IOMMU's counters. The driver's lock is a kernel spinlock of
// the run's kernel (World::spin_lock); the host's, taken for a guest (`host`), is taken with preemption off.
void lock_queue(World& w, int iommu, sg4::Mutex& m, bool host, bool counted = true) {
  const double t = now();
  w.spin_lock(m, host);
  if (!counted) return;
  const double waited_ns = (now() - t) * 1e9;
  w.stats.per_iommu[iommu].queue_lock_wait_ns += waited_ns;
  w.stats.queue_lock_wait.record(static_cast<std::uint64_t>(waited_ns + 0.5));
}

// The CPU's copy of the descriptors and their wait into a queue (physical or virtual); returns how many.
std::size_t copy_descriptors(World& w, const Submission& sub) {
  const auto written = static_cast<std::size_t>(command_count(sub));
  w.sleep(w.timing.submit + static_cast<double>(written) * w.timing.desc_write);
  return written;
}

// The submission joins the ring and the tail register moves past it: the IOMMU may fetch it. The caller
// holds the queue lock where the driver has one.
void publish(World& w, IommuState& q, QueueEntry& entry) {
  entry.status_sent = false;
  entry.aborted = false;
  ring_changing(q, w.stats.per_iommu[entry.sub->iommu], now(), +1);
  q.ring.push_back(&entry);
  ++q.tail;
  XBT_DEBUG("iommu %d: %zu descriptors%s written, tail %llu", entry.sub->iommu, entry.sub->descs.size(),
            entry.sub->wait ? " + wait" : "", static_cast<unsigned long long>(q.tail));
}

// A tail-register write moving the tail to `tail` (ring entries, unwrapped); it carries the bytes of the
// `commands` written since the last one, which the IOMMU fetches over the same path.
void ring_doorbell(World& w, IommuState& q, int iommu, std::uint64_t tail, std::size_t commands, bool counted = true) {
  if (counted) ++w.stats.per_iommu[iommu].tail_writes;
  w.send(q.doorbell, reinterpret_cast<void*>(static_cast<std::uintptr_t>(tail)), commands * w.timing.desc_bytes);
}

// Copies the submission into the ring and rings the doorbell once.
void write_and_ring(World& w, IommuState& q, QueueEntry& entry) {
  const std::size_t written = copy_descriptors(w, *entry.sub);
  publish(w, q, entry);
  ring_doorbell(w, q, entry.sub->iommu, q.tail, written, !entry.host_own);
}

// Command `index` (the wait when index == descs.size()) and a tail write after it. The IOMMU takes the
// submission whole with its last command, fetching all its bytes then: it could start on the earlier
// commands, but their completion is only observed through the wait, which comes last.
void write_command_and_ring(World& w, IommuState& q, QueueEntry& entry, std::size_t index) {
  w.sleep(w.timing.submit + w.timing.desc_write);
  const bool counted = !entry.host_own;
  if (!is_last_command(*entry.sub, index)) {
    if (counted) ++w.stats.per_iommu[entry.sub->iommu].tail_writes;  // seen by the IOMMU with the submission's last
    return;
  }
  publish(w, q, entry);
  ring_doorbell(w, q, entry.sub->iommu, q.tail, static_cast<std::size_t>(command_count(*entry.sub)), counted);
}

void count(World& w, const Submission& sub) {
  QueueCounters& c = w.stats.per_iommu[sub.iommu];
  ++c.submissions;
  for (const Descriptor& d : sub.descs) c.descriptors += is_invalidation(d.kind) ? 1 : 0;
  c.invalidation_waits += sub.wait ? 1 : 0;
  for (const Descriptor& d : sub.descs) {
    c.iotlb_invalidations += is_iotlb(d.kind) ? 1 : 0;
    c.devtlb_invalidations += is_devtlb(d.kind) ? 1 : 0;
  }
}

}  // namespace

void wake_lazy_spinner(IommuState& q) {
  if (!q.lazy_spinner) return;
  q.spin_mutex->lock();
  q.lazy_wake = true;
  q.spin_cv->notify_all();
  q.spin_mutex->unlock();
}

namespace {

// The IOMMU's physical queue, as a kernel on bare metal (or the host, for a nested guest) drives it.
class PhysicalQueue final : public QueueOps {
public:
  // `host`: the host kernel's submission on behalf of a guest (nested), not the driver of the run's kernel.
  PhysicalQueue(World& w, QueueEntry& e, bool host = false)
      : w_(w), e_(e), q_(w.iommus[e.sub->iommu]), iommu_(e.sub->iommu), host_(host), counted_(!e.host_own) {}

  const Submission& submission() const override { return *e_.sub; }
  void lock() override {
    want_lock();
    lock_queue(w_, iommu_, *q_.q_lock, host_, counted_);
    --q_.lock_wanted;
  }
  void unlock() override { w_.spin_unlock(*q_.q_lock); }
  void take_ring_slots(int needed) override {
    if (q_.slots.free() < needed) {
      QueueCounters& c = counters();
      ++c.ring_full_waits;
      XBT_VERB("iommu %d: ring full, waiting for %d free slots", iommu_, needed);
      const double t = now();
      want_lock();  // counted while it waits: it takes q_lock back as soon as slots are freed
      if (!w_.host_cpus) {
        std::unique_lock<sg4::Mutex> lock(*q_.q_lock, std::adopt_lock);
        while (q_.slots.free() < needed) q_.slots_freed->wait(lock);
        lock.release();
      } else {
        // With vCPUs about, q_lock's holder is tracked: dropped and retaken through World::spin_lock.
        while (q_.slots.free() < needed) {
          w_.spin_unlock(*q_.q_lock);
          {
            std::unique_lock<sg4::Mutex> lock(*q_.space_mutex);
            while (q_.slots.free() < needed) q_.slots_freed->wait(lock);
          }
          w_.spin_lock(*q_.q_lock, host_);
        }
      }
      --q_.lock_wanted;
      c.ring_wait_ns += (now() - t) * 1e9;
    }
    ring_ticket_ = q_.slots.take(needed - 1);
  }
  void reclaim_ring_slots(int) override {
    if (q_.slots.reclaim(ring_ticket_) > 0)
      q_.slots_freed->notify_all();
    else
      XBT_VERB("iommu %d: slots marked free behind an older submission's (reclaim_free_desc())", iommu_);
  }
  bool claim_queue_space(int commands) override {
    // A plan's submission can stand for several of the driver's batches (each <= smmu.cmdq_batch_size + 1,
    // which the scenario check keeps within the queue): it claims at most the whole queue.
    commands = std::min(commands, q_.queue_capacity);
    wait_for_queue_room(commands);
    q_.queue_free -= commands;
    e_.queue_space = commands;
    // prod moves past the submission: its place in the ring, which the SMMU reads once PROD covers it.
    e_.written = false;
    publish(w_, q_, e_);
    const bool owner = !q_.cmdq_owned;
    q_.cmdq_owned = true;
    return owner;
  }
  void reserve_command_slots(int commands) override {
    // The AMD plans have at most three commands; amd.cmdbuf_entries is at least 8.
    if (commands + kAmdEntriesKeptFree > q_.queue_capacity)
      throw std::logic_error("an AMD submission larger than the command buffer");
    wait_for_queue_room(commands + kAmdEntriesKeptFree);
    q_.queue_free -= commands;
    e_.queue_space = commands;
  }
  void write_commands() override {
    copy_descriptors(w_, *e_.sub);
    e_.written = true;
    if (q_.gather_waiters == 0) return;
    q_.space_mutex->lock();
    q_.gathered_written->notify_all();
    q_.space_mutex->unlock();
  }
  void ring_as_owner() override {
    q_.cmdq_owner->lock();  // a. the previous owner has written PROD
    q_.cmdq_owned = false;  // b. claims from now on start a new owner's gathering
    const std::uint64_t prod = q_.tail;
    // c. every claim up to prod written (the SMMU reads none of them before PROD moves: they are all in the ring)
    auto gathered = [&] {
      return q_.ring.begin() + static_cast<std::ptrdiff_t>(q_.owner_prod - q_.head);
    };
    auto all_written = [&] {
      return std::all_of(gathered(), q_.ring.begin() + static_cast<std::ptrdiff_t>(prod - q_.head),
                         [](const QueueEntry* e) { return e->written; });
    };
    if (!all_written()) {
      std::unique_lock<sg4::Mutex> lock(*q_.space_mutex);
      ++q_.gather_waiters;
      while (!all_written()) q_.gathered_written->wait(lock);
      --q_.gather_waiters;
    }
    std::size_t commands = 0;
    for (auto it = gathered(); it != q_.ring.begin() + static_cast<std::ptrdiff_t>(prod - q_.head); ++it)
      commands += static_cast<std::size_t>(command_count(*(*it)->sub));
    if (prod - q_.owner_prod > 1)
      XBT_VERB("iommu %d: the owner writes PROD for %llu submissions", iommu_,
               static_cast<unsigned long long>(prod - q_.owner_prod));
    ring_doorbell(w_, q_, iommu_, prod, commands, counted_);  // d.
    q_.owner_prod = prod;                           // e. the next owner may go on
    q_.cmdq_owner->unlock();
  }
  void write_and_ring() override { svasim::write_and_ring(w_, q_, e_); }
  void write_command_and_ring(std::size_t index) override { svasim::write_command_and_ring(w_, q_, e_, index); }
  void wait_for_status() override {
    note_wait();
    e_.reply->get<QueueEntry>();
    w_.sleep(w_.timing.poll);
  }
  bool wait_for_status_within(double limit_ns) override {
    note_wait();
    try {
      e_.reply->get<QueueEntry>(limit_ns * 1e-9);
    } catch (const simgrid::TimeoutException&) {
      // A status write already on its way (SimGrid drops the transfer with the time-out) lands within the
      // poll that would have seen it.
      if (!e_.status_sent) {
        if (!leave_to_iommu()) throw std::logic_error("a wait given up on for a submission the IOMMU does not hold");
        return false;
      }
    }
    w_.sleep(w_.timing.poll);
    return true;
  }
  bool aborted() override {
    const bool a = e_.aborted;
    e_.aborted = false;
    return a;
  }
  // The reply mailbox has the CPU thread as its permanent receiver: the status write lands whether or not
  // the CPU is looking (an aborted wait gets none), and ready() is a look at memory, not a simulated step.
  bool status_done() override {
    note_wait();
    if (!e_.reply->ready()) return false;
    e_.reply->get<QueueEntry>();
    return true;
  }
  FaultStatus read_fault_status() override {
    // Not on vCPUs sharing host CPUs: there the spinner's CPU time is what others wait for.
    if (!w_.timing.simulate_every_poll && !w_.host_cpus && q_.lock_wanted == 0 && !q_.ite && !q_.iqe && !e_.status_sent)
      return spin_unobserved();
    w_.sleep(w_.timing.reg_read);
    return FaultStatus{q_.iqe, q_.ite};
  }
  bool clear_iqe_if_own() override {
    w_.sleep(w_.timing.reg_read);  // DMAR_IQH_REG
    if (q_.iqe_entry != &e_) return false;
    w_.sleep(w_.timing.desc_write);  // the wait descriptor copied over the invalid one
    q_.iqe = false;
    q_.iqe_entry = nullptr;
    w_.send(q_.fault_cleared, &q_, 4);  // the write of DMA_FSTS_IQE to DMAR_FSTS_REG
    return true;
  }
  bool clear_ite() override {
    w_.sleep(3 * w_.timing.reg_read);  // DMAR_IQH_REG, DMAR_IQT_REG, DMAR_IQER_REG
    q_.ite = false;
    // Every wait in flight is aborted: the one the engine stopped in, and all still in the ring, which the
    // engine will not process (their submitters resubmit them).
    if (q_.in_engine) q_.in_engine->aborted = true;
    for (QueueEntry*& queued : q_.ring)
      if (queued) {
        queued->aborted = true;
        queued = nullptr;
      }
    w_.send(q_.fault_cleared, &q_, 4);  // the write of DMA_FSTS_ITE to DMAR_FSTS_REG
    const Topology& topo = w_.scenario.topology;
    return topo.node(topo.devices()[static_cast<std::size_t>(q_.itesid_device)]).caps.present_at(now() * 1e9);
  }
  void relax() override {
    unlock();
    w_.sleep(relax_left_ >= 0 ? relax_left_ : w_.timing.relax);
    relax_left_ = -1;
    const double t = now();
    want_lock();
    w_.spin_lock(*q_.q_lock, host_);  // a retake while spinning: counted in the IOMMU's total
    --q_.lock_wanted;
    counters().queue_lock_wait_ns += (now() - t) * 1e9;
  }
  bool abandon_if_run_over() override {
    // A status write on its way lands at the next poll (and must not be left for the next submission's wait).
    if (now() < run_end() || e_.status_sent) return false;
    if (!leave_to_iommu()) return false;
    ++counters().invalidations_abandoned;
    XBT_VERB("iommu %d: the run is over while the CPU spins on its wait: abandoned", iommu_);
    return true;
  }
  bool resubmit(bool driver_retries) override {
    QueueCounters& c = counters();
    if (!driver_retries) {
      ++c.invalidations_failed;
      XBT_VERB("iommu %d: the driver gives up (-ETIMEDOUT, -EINVAL, or no retry after a time-out)", iommu_);
      return false;
    }
    if (now() >= run_end()) {
      ++c.invalidations_abandoned;
      return false;
    }
    ++c.resubmissions;
    XBT_VERB("iommu %d: invalidation time-out, resubmitting", iommu_);
    return true;
  }

  // When the CPU started waiting for its submission's wait (< 0: not yet).
  double wait_started() const { return wait_started_; }

private:
  // The IOMMU's counters, or for the host's own work a scratch copy nobody reports.
  QueueCounters& counters() { return counted_ ? w_.stats.per_iommu[iommu_] : scratch_; }
  void note_wait() {
    if (wait_started_ < 0) wait_started_ = now();
  }

  // __iommu_queue_command_sync() writes a command only if more than 0x20 bytes (two 16-byte commands) stay
  // between the new tail and the head: with the entry that tells a full buffer from an empty one, three.
  static constexpr int kAmdEntriesKeptFree = 3;

  // Polls the queue's consumer index (SMMUv3 CONS, AMD head register) until `free` entries are free; the
  // IOMMU frees a submission's entries once it has consumed it.
  // The caller claims the room right after the return, before any other actor runs.
  void wait_for_queue_room(int free) {
    if (q_.queue_free >= free) return;
    QueueCounters& c = counters();
    ++c.ring_full_waits;
    XBT_VERB("iommu %d: command queue full, waiting for %d free entries", iommu_, free);
    const double t = now();
    while (q_.queue_free < free) {  // another CPU may take the room during the poll that sees it
      {
        std::unique_lock<sg4::Mutex> lock(*q_.space_mutex);
        ++q_.space_waiters;
        while (q_.queue_free < free) q_.space_freed->wait(lock);
        --q_.space_waiters;
      }
      w_.sleep(w_.timing.poll);  // the poll that sees the room
    }
    c.ring_wait_ns += (now() - t) * 1e9;
  }

  // The CPU returns and its entry (and plan) go away; the IOMMU, which holds the commands, processes a copy
  // without a status write, in the engine or in the ring.
  // False when the IOMMU no longer holds the submission.
  bool leave_to_iommu() {
    const auto queued = std::find(q_.ring.begin(), q_.ring.end(), &e_);
    if (q_.in_engine != &e_ && queued == q_.ring.end()) return false;
    OrphanedEntry& o = q_.orphans.emplace_back(OrphanedEntry{*e_.sub, e_});
    o.entry.sub = &o.sub;
    o.entry.reply = nullptr;
    o.entry.orphan = true;
    if (q_.in_engine == &e_)
      q_.in_engine = &o.entry;
    else
      *queued = &o.entry;
    XBT_VERB("iommu %d: the CPU stops waiting for its wait; the IOMMU goes on with it", iommu_);
    return true;
  }

  double run_end() const { return w_.scenario.duration_ns * 1e-9; }

  void want_lock() {
    ++q_.lock_wanted;
    wake_lazy_spinner(q_);
  }

  // The polls from a status check with q_lock held, while nothing they do can be seen by anyone: each is
  // a fault-status read holding q_lock, then cpu_relax() without it. Holding q_lock, sleep until woken by
  // another CPU wanting it, a status write leaving the IOMMU or an ITE; then take up the polls where they
  // would be: inside a read (finish it; it sees what is there when it ends), or inside cpu_relax() (the
  // next relax() sleeps only what is left of it). Exactly the polls' behaviour, without their events.
  FaultStatus spin_unobserved() {
    const double start = now(), period = w_.timing.reg_read + w_.timing.relax;
    // Announced before the first simcall: another actor running meanwhile then wakes us (or is seen by the
    // predicate), never finds nobody to wake.
    q_.lazy_spinner = true;
    q_.lazy_wake = false;
    {
      std::unique_lock<sg4::Mutex> lk(*q_.spin_mutex);
      // ... or until the end of the run, where the CPU abandons its wait (abandon_if_run_over()).
      while (!q_.lazy_wake && q_.lock_wanted == 0 && !q_.ite && !q_.iqe && !e_.status_sent && now() < run_end())
        q_.spin_cv->wait_until(lk, run_end());
      q_.lazy_spinner = false;
    }
    const double offset = std::fmod(now() - start, period);
    if (offset < w_.timing.reg_read) {
      w_.sleep(w_.timing.reg_read - offset);
      return FaultStatus{q_.iqe, q_.ite};
    }
    relax_left_ = period - offset;  // the read ended before anything changed: it saw no fault
    return FaultStatus{};
  }

  World& w_;
  QueueEntry& e_;
  IommuState& q_;
  int iommu_;
  bool host_;
  bool counted_;  // not the host's own work: its waits and retries are the run's
  QueueCounters scratch_;
  double relax_left_ = -1;  // < 0: a whole cpu_relax()
  std::uint64_t ring_ticket_ = 0;  // the ring slots this attempt took
  double wait_started_ = -1;
};

// A guest's vIOMMU queue: the guest driver writes it under its own lock; the tail write traps to the VMM,
// which handles the whole queue before the vCPU resumes (so the wait is already done when the guest
// polls). The VMM handles exits under its global lock: vCPUs exiting at once wait for each other. Under
// SMMUv3 only the queue's owner writes PROD (arm_smmu_cmdq_issue_cmdlist()): its exit has the VMM consume
// every command gathered meanwhile, and the other vCPUs poll their CMD_SYNCs in the guest, without exits.
class VirtualQueue final : public QueueOps, public VmmOps {
public:
  VirtualQueue(World& w, QueueEntry& e) : w_(w), e_(e), q_(w.iommus[e.sub->iommu]), iommu_(e.sub->iommu) {}
  const Submission& submission() const override { return *e_.sub; }
  void lock() override { lock_queue(w_, iommu_, *q_.guest_q_lock, false); }
  void unlock() override { w_.spin_unlock(*q_.guest_q_lock); }
  void take_ring_slots(int) override {}  // the vIOMMU's ring is drained at every exit: never full
  void reclaim_ring_slots(int) override {}
  // The guest's claim on its command queue (the vIOMMU's queue is consumed at every exit: never full).
  bool claim_queue_space(int) override {
    e_.written = false;
    e_.status_sent = false;
    q_.guest_gathered.push_back(&e_);
    const bool owner = !q_.guest_cmdq_owned;
    q_.guest_cmdq_owned = true;
    return owner;
  }
  void reserve_command_slots(int) override {}
  void write_commands() override {
    copy_descriptors(w_, *e_.sub);
    e_.written = true;
    q_.guest_cmdq_changed->notify_all();
  }
  // The owner, once the previous owner has written PROD, stops the gathering, waits for the gathered
  // commands to be written and writes PROD once: one exit for all of them.
  void ring_as_owner() override {
    q_.guest_cmdq_owner->lock();
    q_.guest_cmdq_owned = false;
    std::vector<QueueEntry*> batch;
    batch.swap(q_.guest_gathered);
    {
      std::unique_lock<sg4::Mutex> lk(*q_.guest_cmdq_mutex);
      while (!std::all_of(batch.begin(), batch.end(), [](const QueueEntry* e) { return e->written; }))
        q_.guest_cmdq_changed->wait(lk);
    }
    if (batch.size() > 1) XBT_VERB("viommu %d: the owner's PROD write covers %zu submissions", iommu_, batch.size());
    exposed_.clear();
    for (QueueEntry* e : batch) exposed_.push_back({e, 0, e->sub->descs.size()});
    trap(true);  // the VMM completed their CMD_SYNCs
    q_.guest_cmdq_changed->notify_all();
    q_.guest_cmdq_owner->unlock();
  }
  void write_and_ring() override {
    copy_descriptors(w_, *e_.sub);
    expose(0, e_.sub->descs.size());
    trap(true);
  }
  // A tail write per command (AMD): each one traps.
  void write_command_and_ring(std::size_t index) override {
    w_.sleep(w_.timing.submit + w_.timing.desc_write);
    expose(index, index < e_.sub->descs.size() ? 1 : 0);
    trap(is_last_command(*e_.sub, index));
  }
  // The VMM completed the wait during an exit: this vCPU's own, or (SMMUv3) the owner's, which it polls for.
  void wait_for_status() override {
    if (!e_.status_sent) {
      std::unique_lock<sg4::Mutex> lk(*q_.guest_cmdq_mutex);
      while (!e_.status_sent) q_.guest_cmdq_changed->wait(lk);
    }
    w_.sleep(w_.timing.poll);
  }
  bool wait_for_status_within(double) override {
    wait_for_status();
    return true;
  }
  bool aborted() override { return false; }  // a host-side time-out is the host driver's to handle
  // The VMM handled the queue during the exit: the wait is done when the guest first looks.
  bool status_done() override { return true; }
  FaultStatus read_fault_status() override { return {}; }
  bool clear_ite() override { return true; }
  bool clear_iqe_if_own() override { return false; }
  void relax() override {}
  bool abandon_if_run_over() override { return false; }  // the VMM completed the wait during the exit
  bool resubmit(bool) override { return false; }

  // What the VMM can do during the exit.
  std::size_t descriptors() const override {
    std::size_t n = 0;
    for (const Exposed& x : exposed_) n += x.count;
    return n;
  }
  bool completes_submission() const override { return exit_completes_; }
  void spend(double seconds, VmmPhase phase) override {
    const double start = now();
    if (main_loop_)
      sg4::this_actor::sleep_for(seconds);  // the VMM's main loop, not this vCPU, does the work
    else
      w_.sleep(seconds);
    QueueCounters& c = w_.stats.per_iommu[iommu_];
    (phase == VmmPhase::exit ? c.vm_exit_path_ns : phase == VmmPhase::emulation ? c.vm_emulation_ns : c.vm_exit_host_ns) +=
        (now() - start) * 1e9;
  }
  void lock_vmm(bool vcpu_waits) override {
    main_loop_ = !vcpu_waits;
    // The main loop's work (and the host's flush it makes) is not this vCPU's: the vCPU polls meanwhile.
    if (HostCpus* cpus = w_.host_cpus.get(); main_loop_ && cpus) suspended_vcpu_ = cpus->suspend();
    const double start = now();
    HostCpus* cpus = w_.host_cpus.get();
    if (!w_.vmm_lock->try_lock()) {
      // A QemuMutex waits in a futex: the vCPU thread sleeps and its CPU goes to others.
      const bool gives_cpu = vcpu_waits && cpus && cpus->current() >= 0;
      if (gives_cpu) cpus->block_begin();
      w_.vmm_lock->lock();
      if (gives_cpu) cpus->block_end();
    }
    w_.stats.per_iommu[iommu_].vm_exit_vmm_wait_ns += (now() - start) * 1e9;
  }
  void unlock_vmm() override {
    w_.vmm_lock->unlock();
    if (!main_loop_) return;
    // The vCPU polled meanwhile: it sees the answer once it has a CPU.
    main_loop_ = false;
    if (HostCpus* cpus = w_.host_cpus.get()) cpus->resume(suspended_vcpu_);
    suspended_vcpu_ = -1;
  }
  // Applies the descriptors to the caches synchronously: what the IOMMU engine and the device would do.
  void emulate_invalidations() override {
    XBT_VERB("viommu %d: the VMM emulates %zu descriptors", iommu_, descriptors());
    for (const Exposed& x : exposed_) {
      const Submission& sub = *x.entry->sub;
      for (std::size_t i = x.first; i < x.first + x.count; ++i) {
        const Descriptor& d = sub.descs[i];
        const CoveredRange c = covered(d);
        if (is_iotlb(d.kind)) {
          w_.iommus[sub.iommu].walker->invalidate(iotlb_scope(x.entry->process, x.entry->domain), c.start, c.end, c.whole);
        } else if (!is_devtlb(d.kind)) {
          continue;  // configuration caches: nothing the simulation caches
        } else if (auto& atc = w_.devices[d.device].atc) {
          const auto pasid = static_cast<std::uint32_t>(x.entry->process);
          if (d.all_pasids)
            atc->invalidate_all();
          else if (c.whole)
            atc->invalidate_scope(pasid);
          else
            atc->invalidate_range(pasid, c.start, c.end);
        }
      }
    }
  }
  // The host's physical invalidations (iommufd, or VFIO's unmap), each a host driver's own submission:
  // its lock, ring slots, wait and faults, with preemption off on the host (raw spinlock, IRQs off).
  // Batched: one call for the exit, one host submission per guest submission it exposes.
  void host_invalidate(bool per_descriptor, double call_s) override {
    const double run_end = w_.scenario.duration_ns * 1e-9;
    if (!per_descriptor) spend(call_s, VmmPhase::host_call);
    for (const Exposed& x : exposed_) {
      const Submission& sub = *x.entry->sub;
      if (!per_descriptor) {
        // Always with a wait: the VMM's call returns once the host's flush is done (a guest's batch issued
        // without one, SMMUv3's full 64, is still waited for by the host).
        if (now() < run_end) forward(*x.entry, Submission{sub.iommu, sub.descs, true});
        continue;
      }
      for (const Descriptor& d : sub.descs) {
        if (now() >= run_end) return;  // the run is over: the rest is past its end
        if (!is_invalidation(d.kind)) continue;
        spend(call_s, VmmPhase::host_call);
        forward(*x.entry, Submission{sub.iommu, {d}, true});
      }
    }
  }

private:
  struct Exposed {
    QueueEntry* entry;
    std::size_t first, count;  // the commands of entry->sub this exit exposes
  };

  void expose(std::size_t first, std::size_t count) {
    exposed_.clear();
    exposed_.push_back({&e_, first, count});
  }

  void forward(const QueueEntry& guest, const Submission& sub) {
    QueueCounters& c = w_.stats.per_iommu[iommu_];
    ++c.vm_host_submissions;
    XBT_VERB("viommu %d: the VMM has the host issue a physical invalidation (%zu descriptors)", iommu_, sub.descs.size());
    QueueEntry entry = guest;  // the status write comes to this (the exiting) thread's mailbox
    entry.sub = &sub;
    entry.reply = e_.reply;
    PhysicalQueue host(w_, entry, true);
    HostCpus* cpus = w_.host_cpus.get();
    const bool on_vcpu = cpus && cpus->current() >= 0 && !main_loop_;  // the main loop's thread is not a vCPU
    if (on_vcpu) cpus->preempt_disable();
    const double start = now();
    w_.queue->issue(host);
    const double end = now();
    if (on_vcpu) cpus->preempt_enable();
    c.vm_exit_host_ns += (end - start) * 1e9;
    if (host.wait_started() >= 0) c.vm_exit_host_wait_ns += (end - host.wait_started()) * 1e9;
  }

  // The tail write of what expose() set traps; `completes` when it exposes the submission's last command.
  void trap(bool completes) {
    exit_completes_ = completes;
    const double exit_start = now();
    QueueCounters& c = w_.stats.per_iommu[iommu_];
    ++c.vm_exits;
    XBT_VERB("viommu %d: tail write traps to the VMM (%zu descriptors)", iommu_, descriptors());
    w_.environment->handle_tail_write(*this);
    c.vm_exit_ns += (now() - exit_start) * 1e9;
    if (completes)
      for (const Exposed& x : exposed_) x.entry->status_sent = true;
  }

  World& w_;
  QueueEntry& e_;
  IommuState& q_;
  int iommu_;
  std::vector<Exposed> exposed_;  // what the current exit exposes
  bool main_loop_ = false;         // between lock_vmm(false) and unlock_vmm(): the VMM's main loop works
  int suspended_vcpu_ = -1;        // ... on this vCPU's thread, which is meanwhile not that vCPU
  bool exit_completes_ = false;
};

}  // namespace

// --trace: the submission with what it belongs to, from its issue to its wait seen.
void trace_submission(World& w, const QueueEntry& e, const Submission& sub, double start) {
  const Topology& topo = w.scenario.topology;
  std::string origin = e.what;
  if (e.what_index >= 0) {
    const bool device = std::string_view(e.what) != "unmap";
    origin += " " + (device ? topo.node(topo.devices()[static_cast<std::size_t>(e.what_index)]).name : std::to_string(e.what_index));
  }
  w.trace->add(TraceSubmission{start * 1e9, now() * 1e9, sg4::this_actor::get_name(),
                               topo.node(topo.iommus()[static_cast<std::size_t>(sub.iommu)]).name, std::move(origin),
                               e.process, e.domain, sub});
}

void World::host_submit(QueueEntry& entry) {
  PhysicalQueue q(*this, entry, true);
  queue->issue(q);
}

void submit(World& w, QueueEntry& entry) {
  const Submission& sub = *entry.sub;
  const double start = now();
  // A page response uses the queue but invalidates nothing: it is in no invalidation counter or latency.
  const bool invalidation = entry.page_request == nullptr;
  if (invalidation) count(w, sub);
  // A submission nobody waits for may be gone once issued (the IOMMU frees a posted page response): what the
  // trace needs is copied first.
  const bool wait = sub.wait;
  const int iommu = sub.iommu;
  const bool traced = w.trace && w.trace->wants(start * 1e9);
  const QueueEntry meta = entry;
  const Submission traced_sub = traced ? sub : Submission{};
  // On a vCPU: how long it went without a CPU during the submission, and how often it halted on a lock.
  HostCpus* cpus = w.host_cpus.get();
  const int vcpu = cpus ? cpus->current() : -1;
  const double steal_before = vcpu >= 0 ? cpus->steal(vcpu) : 0;
  const std::uint64_t halts_before = vcpu >= 0 ? cpus->halts(vcpu) : 0;
  if (w.environment->tail_write_traps()) {
    VirtualQueue q(w, entry);
    w.queue->issue(q);
  } else {
    PhysicalQueue q(w, entry);
    w.queue->issue(q);
  }
  if (vcpu >= 0 && invalidation) {
    QueueCounters& c = w.stats.per_iommu[iommu];
    c.submission_steal_ns += (cpus->steal(vcpu) - steal_before) * 1e9;
    c.submission_halt_exits += cpus->halts(vcpu) - halts_before;
  }
  if (wait && invalidation) w.stats.submission_latency.record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
  if (traced) trace_submission(w, meta, traced_sub, start);
}

}  // namespace svasim
