#pragma once
// The host's CPU scheduler as the vCPU threads of one VM see it: P host CPUs, V vCPU threads, each either
// halted (its guest idles: HLT, or a paravirtual spinlock's pv_wait), waiting on a run queue, or running.
// A running vCPU keeps its CPU until it halts or, while another vCPU waits for that CPU, until its time
// slice ends; then it goes to the back of the queue (round robin within a slice: EEVDF with equal weights
// and no wake-up preemption, kernel/sched/fair.c). Pinned vCPUs each have one CPU (vCPU i on CPU i mod P)
// and that CPU's queue; unpinned ones share one queue and take any free CPU (ideal load balancing).
// A vCPU inside a host raw spinlock's critical section (preemption disabled) is not preempted until it
// leaves it. Pure: times in seconds, no SimGrid.
#include <deque>
#include <limits>
#include <vector>

namespace svasim {

class VcpuScheduler {
public:
  enum class State { halted, waiting, running };
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  VcpuScheduler(int vcpus, int pcpus, bool pinned, double slice_s);

  // The vCPU becomes runnable at t: it runs at once on a free CPU (true) or joins the queue (false).
  bool wake(int v, double t);
  // The vCPU stops needing a CPU at t; returns the vCPU that takes its CPU (-1: none).
  int halt(int v, double t);
  // Preempts, at t, every running vCPU whose slice has ended while another waits for its CPU. Appends the
  // vCPUs that stopped and those that started.
  void tick(double t, std::vector<int>& stopped, std::vector<int>& started);
  // When tick() next has something to do (kNever: nobody waits, or every waiter's CPU is not preemptible).
  double next_preemption() const;
  // A host critical section with preemption disabled (raw spinlock, IRQs off): no preemption inside.
  void preempt_disable(int v) { ++vcpus_[static_cast<std::size_t>(v)].no_preempt; }
  void preempt_enable(int v) { --vcpus_[static_cast<std::size_t>(v)].no_preempt; }

  State state(int v) const { return vcpus_[static_cast<std::size_t>(v)].state; }
  bool running(int v) const { return state(v) == State::running; }
  // Time runnable but not running (KVM's steal time), up to t.
  double steal(int v, double t) const;
  int pcpus() const { return static_cast<int>(cpus_.size()); }
  int vcpus() const { return static_cast<int>(vcpus_.size()); }

private:
  struct Vcpu {
    State state = State::halted;
    int cpu = -1;          // running: where
    int no_preempt = 0;
    double waiting_since = 0, steal = 0;
  };
  struct Cpu {
    int current = -1;
    double slice_end = 0;
  };
  std::deque<int>& queue_of(int cpu) { return queues_[pinned_ ? static_cast<std::size_t>(cpu) : 0]; }
  const std::deque<int>& queue_of(int cpu) const { return queues_[pinned_ ? static_cast<std::size_t>(cpu) : 0]; }
  int home(int v) const { return v % pcpus(); }
  void dispatch(int v, int cpu, double t);
  void enqueue(int v, double t, bool woken);
  // A CPU whose slice ended while nobody waited starts a new one at the next slice boundary after t.
  void roll_slice(Cpu& c, double t) const;

  std::vector<Vcpu> vcpus_;
  std::vector<Cpu> cpus_;
  std::vector<std::deque<int>> queues_;
  bool pinned_;
  double slice_;
};

class Params;

// The host side of a guest, from the vm.* parameters declared with the scheduler (vcpu_scheduler.cpp).
struct HostCpuConfig {
  int host_cpus = 0;         // 0: every vCPU has a CPU of its own
  bool pinned = false;
  double slice_s = 0;        // the scaled slice
  bool pv_spinlocks = true;
  double pv_threshold_s = 0;
  bool vcpu_busy = false;    // the guest's threads compute between unmaps
  static HostCpuConfig from(const Params& p);
};

// The host scheduler's time slice for the vCPU threads: EEVDF's base slice scaled by
// 1 + ilog2(min(CPUs, 8)) (SCHED_TUNABLESCALING_LOG, get_update_sysctl_factor(), kernel/sched/fair.c).
double scaled_slice(double base_slice_s, int host_cpus);

}  // namespace svasim
