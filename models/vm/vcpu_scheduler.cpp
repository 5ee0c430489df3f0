#include "models/vm/vcpu_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/params.hpp"

namespace svasim {

namespace {

SVASIM_PARAM({.name = "vm.host_cpus", .unit = "CPUs", .default_value = 0, .max = 4096, .integer = true,
              .description = "host CPUs the guest's vCPU threads (one per unmap thread) are scheduled on; 0: every "
                             "vCPU has a CPU of its own (dedicated, no scheduling)",
              .source = "a deployment choice; 0 keeps the earlier model's dedicated vCPUs"});
SVASIM_PARAM({.name = "vm.vcpu_pinning", .unit = "bool", .default_value = 0, .max = 1, .integer = true,
              .description = "1: vCPU i is pinned to host CPU i mod vm.host_cpus and waits for that CPU only; 0: the "
                             "vCPUs share one run queue and take any free CPU",
              .source = "libvirt <vcpupin> / taskset; the unpinned default of a plain QEMU process"});
SVASIM_PARAM({.name = "vm.vcpu_busy", .unit = "bool", .default_value = 0, .max = 1, .integer = true,
              .description = "1: each unmap thread's application computes between its unmaps (a CPU-bound guest), so "
                             "its vCPU stays runnable; 0: the vCPU halts until its next unmap is due",
              .source = "a workload choice"});
SVASIM_PARAM({.name = "vm.sched_base_slice_us", .unit = "us", .default_value = 750, .min = 1, .max = 1e6,
              .description = "the host scheduler's base time slice; the slice a vCPU gets is this times "
                             "1 + ilog2(min(host CPUs, 8)) (3 ms with 8 or more CPUs)",
              .source = "sysctl_sched_base_slice 0.75 ms and get_update_sysctl_factor() (SCHED_TUNABLESCALING_LOG), "
                        "kernel/sched/fair.c, Linux v6.6-v6.14 (0.70 ms from v6.15, commit 2ae891b826958b)"});
SVASIM_PARAM({.name = "vm.pv_spinlocks", .unit = "bool", .default_value = 1, .max = 1, .integer = true,
              .description = "1: the guest's spinlock waiters halt (pv_wait, an HLT exit) once they have spun "
                             "vm.pv_spin_threshold_us, or at once when the lock holder's vCPU is not running, and "
                             "the unlocker kicks them; 0: waiters spin on their CPU until preempted",
              .source = "KVM_FEATURE_PV_UNHALT, kvm_spinlock_init() arch/x86/kernel/kvm.c; pv_wait_node() and "
                        "pv_wait_early() kernel/locking/qspinlock_paravirt.h (on unless the host hints "
                        "KVM_HINTS_REALTIME)"});
SVASIM_PARAM({.name = "vm.pv_spin_threshold_us", .unit = "us", .default_value = 1800, .min = 0, .max = 1e9,
              .description = "how long a paravirtual spinlock waiter spins before it halts: SPIN_THRESHOLD (2^15) "
                             "loop iterations of a ~140-cycle PAUSE at 2.6 GHz",
              .source = "SPIN_THRESHOLD arch/x86/include/asm/spinlock.h; PAUSE latency from Skylake on, Intel "
                        "Optimization Reference Manual (derived: 2^15 x 140 cycles / 2.6 GHz)"});

}  // namespace

HostCpuConfig HostCpuConfig::from(const Params& p) {
  HostCpuConfig c;
  c.host_cpus = static_cast<int>(p.get_int("vm.host_cpus"));
  c.pinned = p.get_bool("vm.vcpu_pinning");
  c.slice_s = scaled_slice(p.get("vm.sched_base_slice_us") * 1e-6, c.host_cpus);
  c.pv_spinlocks = p.get_bool("vm.pv_spinlocks");
  c.pv_threshold_s = p.get("vm.pv_spin_threshold_us") * 1e-6;
  c.vcpu_busy = p.get_bool("vm.vcpu_busy");
  return c;
}

double scaled_slice(double base_slice_s, int host_cpus) {
  int factor = 1;
  for (int n = std::min(std::max(host_cpus, 1), 8); n > 1; n >>= 1) ++factor;  // 1 + ilog2(min(cpus, 8))
  return base_slice_s * factor;
}

VcpuScheduler::VcpuScheduler(int vcpus, int pcpus, bool pinned, double slice_s)
    : vcpus_(static_cast<std::size_t>(vcpus)),
      cpus_(static_cast<std::size_t>(pcpus)),
      queues_(pinned ? static_cast<std::size_t>(pcpus) : 1),
      pinned_(pinned),
      slice_(slice_s) {
  if (vcpus < 1 || pcpus < 1 || !(slice_s > 0)) throw std::invalid_argument("VcpuScheduler: needs vCPUs, CPUs and a slice");
}

void VcpuScheduler::dispatch(int v, int cpu, double t) {
  Vcpu& x = vcpus_[static_cast<std::size_t>(v)];
  if (x.state == State::waiting) x.steal += t - x.waiting_since;
  x.state = State::running;
  x.cpu = cpu;
  Cpu& c = cpus_[static_cast<std::size_t>(cpu)];
  c.current = v;
  c.slice_end = t + slice_;
}

void VcpuScheduler::roll_slice(Cpu& c, double t) const {
  if (c.current >= 0 && c.slice_end < t) c.slice_end += std::ceil((t - c.slice_end) / slice_) * slice_;
}

void VcpuScheduler::enqueue(int v, double t, bool woken) {
  Vcpu& x = vcpus_[static_cast<std::size_t>(v)];
  x.state = State::waiting;
  x.waiting_since = t;
  x.cpu = -1;
  const int cpu = pinned_ ? home(v) : 0;
  std::deque<int>& q = queue_of(cpu);
  // A woken vCPU finds CPUs whose running vCPUs were alone until t: their slices count from the last
  // boundary. (A preempted one goes to the back of a queue that made the others' slices count already.)
  if (woken && q.empty()) {
    if (pinned_)
      roll_slice(cpus_[static_cast<std::size_t>(cpu)], t);
    else
      for (Cpu& c : cpus_) roll_slice(c, t);
  }
  q.push_back(v);
}

bool VcpuScheduler::wake(int v, double t) {
  if (state(v) != State::halted) throw std::logic_error("VcpuScheduler: waking a vCPU that is not halted");
  if (pinned_) {
    if (cpus_[static_cast<std::size_t>(home(v))].current < 0) {
      dispatch(v, home(v), t);
      return true;
    }
  } else {
    for (std::size_t c = 0; c < cpus_.size(); ++c)
      if (cpus_[c].current < 0) {
        dispatch(v, static_cast<int>(c), t);
        return true;
      }
  }
  enqueue(v, t, true);
  return false;
}

int VcpuScheduler::halt(int v, double t) {
  Vcpu& x = vcpus_[static_cast<std::size_t>(v)];
  if (x.state == State::halted) throw std::logic_error("VcpuScheduler: halting a halted vCPU");
  if (x.state == State::waiting) {
    std::deque<int>& q = queue_of(pinned_ ? home(v) : 0);
    q.erase(std::find(q.begin(), q.end(), v));
    x.steal += t - x.waiting_since;
    x.state = State::halted;
    return -1;
  }
  const int cpu = x.cpu;
  x.state = State::halted;
  x.cpu = -1;
  cpus_[static_cast<std::size_t>(cpu)].current = -1;
  std::deque<int>& q = queue_of(cpu);
  if (q.empty()) return -1;
  const int next = q.front();
  q.pop_front();
  dispatch(next, cpu, t);
  return next;
}

double VcpuScheduler::next_preemption() const {
  double next = kNever;
  for (std::size_t c = 0; c < cpus_.size(); ++c) {
    const Cpu& cpu = cpus_[c];
    if (cpu.current < 0 || queue_of(static_cast<int>(c)).empty()) continue;
    if (vcpus_[static_cast<std::size_t>(cpu.current)].no_preempt > 0) continue;
    next = std::min(next, cpu.slice_end);
  }
  return next;
}

void VcpuScheduler::tick(double t, std::vector<int>& stopped, std::vector<int>& started) {
  // Earliest-ending slice first: with one shared queue, the CPU whose slice ended first serves its head.
  std::vector<std::size_t> order(cpus_.size());
  for (std::size_t c = 0; c < order.size(); ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cpus_[a].slice_end < cpus_[b].slice_end; });
  for (std::size_t c : order) {
    Cpu& cpu = cpus_[c];
    std::deque<int>& q = queue_of(static_cast<int>(c));
    if (cpu.current < 0 || q.empty() || cpu.slice_end > t) continue;
    if (vcpus_[static_cast<std::size_t>(cpu.current)].no_preempt > 0) continue;
    const int out = cpu.current, in = q.front();
    q.pop_front();
    cpu.current = -1;
    enqueue(out, t, false);
    dispatch(in, static_cast<int>(c), t);
    stopped.push_back(out);
    started.push_back(in);
  }
}

double VcpuScheduler::steal(int v, double t) const {
  const Vcpu& x = vcpus_[static_cast<std::size_t>(v)];
  return x.steal + (x.state == State::waiting ? t - x.waiting_since : 0);
}

}  // namespace svasim
