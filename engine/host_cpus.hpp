#pragma once
// The host CPUs a guest's vCPU threads run on: the scheduler (models/vm/vcpu_scheduler.hpp) given time.
// Each unmap thread of a guest is one vCPU. Its CPU work (World::sleep) advances only while the vCPU runs;
// it keeps its CPU while it spins on a guest lock (a preempted holder stalls its waiters), and gives it up
// when its guest halts (idle between unmaps), when a paravirtual spinlock's waiter halts (pv_wait), and
// while the VMM blocks on its global lock. A daemon actor preempts vCPUs at the ends of their slices.
// Only built when vm.host_cpus > 0 in a guest: otherwise every vCPU has a CPU of its own.
#include <simgrid/s4u.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "models/vm/vcpu_scheduler.hpp"

namespace svasim {

class HostCpus {
public:
  HostCpus(const HostCpuConfig& c, int vcpus);
  // The calling actor is vCPU v from now on (runnable).
  void attach(int v);
  // The calling actor's thread ends: its vCPU halts for good.
  void detach();
  // The calling actor's vCPU, or -1 when it is not one.
  int current() const;

  // CPU work of `seconds`: advances only while the vCPU runs.
  void run(double seconds);
  // Waits until the vCPU has a CPU (after a blocking wait that gave none back, e.g. a lock taken).
  void wait_running();
  // The guest idles until t: HLT, the CPU goes to others; then the vCPU wakes and waits for one.
  void idle_until(double t);
  // The guest computes until t (a CPU-bound guest between unmaps): holds or competes for a CPU meanwhile.
  void busy_until(double t);
  // Between unmaps: busy_until() in a CPU-bound guest (vm.vcpu_busy), else idle_until().
  void until(double t);
  // Gives the CPU up while blocked in the host (the VMM's mutex: a futex wait) and takes one back after.
  void block_begin();
  void block_end();
  // A host section with preemption disabled (raw spinlock with IRQs off: the host's qi_submit_sync()).
  void preempt_disable();
  void preempt_enable();
  // The guest kernel's spinlocks (World::spin_lock). With vCPUs sharing host CPUs, who holds each lock
  // is this bookkeeping alone (the SimGrid mutex only names the lock): actors are cooperative, so a
  // look and a take are one step. A waiting vCPU spins on its CPU. A released lock goes
  // to its longest waiter that is running (queued spinlocks are FIFO), or, when none runs, to the first
  // that does: a preempted waiter does not hold a free lock up (pv_hybrid_queued_unfair_trylock(),
  // kernel/locking/qspinlock_paravirt.h: lock stealing under virtualization).
  // With paravirtual spinlocks a waiter halts (pv_wait) after vm.pv_spin_threshold_us, or at once when
  // the holder is not running (pv_wait_early()); the unlocker kicks the longest-halted waiter
  // (pv_kick()). Called from actors that are not vCPUs, a plain lock.
  void spin_lock(simgrid::s4u::Mutex& m, bool host = false);
  void spin_unlock(simgrid::s4u::Mutex& m);
  // Time the vCPU was runnable without a CPU so far (steal time).
  double steal(int v) const;
  // Paravirtual spinlock halts (HLT exits) so far.
  std::uint64_t halts(int v) const { return halts_[static_cast<std::size_t>(v)]; }

  // The daemon giving time to the scheduler's decisions. vCPUs that take turns for `give_up_after` seconds
  // while none of them works (CPU work, computing) or takes a lock are stuck, a model bug: it stops, and
  // without preemption SimGrid reports them deadlocked.
  void scheduler_actor(double give_up_after);
  bool stuck() const { return stuck_; }
  // The calling vCPU's thread works for the VMM's main loop meanwhile (its time is not the vCPU's): it is no
  // vCPU until resume(), which waits for its CPU back. Returns the vCPU (-1: none).
  int suspend();
  void resume(int v);

private:
  void notify(int v);
  void notify_all(const std::vector<int>& vs);
  void poke_scheduler();
  void hold_cpu_until(int v, double deadline);
  void halt_now(int v);
  void wake_now(int v);
  void on_running(int v);  // v just got a CPU
  void offer(const simgrid::s4u::Mutex* m, bool unlocked);
  void pv_halt(int v);
  void pv_halt_spinners_of(int holder);
  int holder_of(const simgrid::s4u::Mutex* m) const;
  bool may_take(int v, const simgrid::s4u::Mutex* m) const;

  struct Spin {
    const simgrid::s4u::Mutex* lock = nullptr;  // spinning on it (null: not spinning)
    double since = 0, deadline = 0;
    bool halted = false;  // in pv_wait
    bool kicked = false;  // ... and kicked by the unlocker
    bool spinning = false;  // waiting for a release (not yet retrying): what pv_wait can halt
  };
  VcpuScheduler sched_;
  bool busy_;
  bool pv_spinlocks_;
  double pv_threshold_s_;
  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::SemaphorePtr wake_;  // the scheduler actor's sleep, cut short by poke_scheduler()
  bool sleeping_ = false;
  // Progress, for telling stuck vCPUs from waiting ones: vCPUs in run()/busy_until(), the last lock taken.
  struct Working {
    explicit Working(HostCpus& h) : h_(h) { ++h_.in_work_; }
    ~Working() {
      --h_.in_work_;
      h_.last_progress_ = simgrid::s4u::Engine::get_clock();
    }
    HostCpus& h_;
  };
  int in_work_ = 0;
  double last_progress_ = 0;
  bool stuck_ = false;
  simgrid::s4u::ConditionVariablePtr released_;  // a spinlock was released (for waiters that are not vCPUs)
  std::vector<simgrid::s4u::ConditionVariablePtr> cv_;
  std::vector<Spin> spin_;
  std::vector<std::uint64_t> halts_;
  std::unordered_map<long, int> vcpu_of_pid_;
  std::unordered_map<const simgrid::s4u::Mutex*, int> holders_;  // held spinlocks: by which vCPU (-1: another actor)
  // Released spinlocks: the waiter that may take each (-1: the first to run), until it does.
  std::unordered_map<const simgrid::s4u::Mutex*, int> granted_;
};

}  // namespace svasim
