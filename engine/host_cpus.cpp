#include "engine/host_cpus.hpp"

#include <algorithm>
#include <mutex>


XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_vcpu, "svasim: vCPU threads on the host's CPUs");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

double now() { return sg4::Engine::get_clock(); }
constexpr double kEps = 1e-11;  // SimGrid's time precision (World's kTimeEpsilon)

}  // namespace

HostCpus::HostCpus(const HostCpuConfig& c, int vcpus)
    : sched_(vcpus, c.host_cpus, c.pinned, c.slice_s),
      busy_(c.vcpu_busy),
      pv_spinlocks_(c.pv_spinlocks),
      pv_threshold_s_(c.pv_threshold_s),
      mutex_(sg4::Mutex::create()),
      wake_(sg4::Semaphore::create(0)),
      released_(sg4::ConditionVariable::create()),
      spin_(static_cast<std::size_t>(vcpus)),
      halts_(static_cast<std::size_t>(vcpus)) {
  for (int v = 0; v < vcpus; ++v) cv_.push_back(sg4::ConditionVariable::create());
}

void HostCpus::attach(int v) {
  vcpu_of_pid_[sg4::this_actor::get_pid()] = v;
  wake_now(v);
  wait_running();
}

void HostCpus::detach() {
  const int v = current();
  if (sched_.state(v) != VcpuScheduler::State::halted) halt_now(v);
  vcpu_of_pid_.erase(sg4::this_actor::get_pid());
}

int HostCpus::current() const {
  const auto it = vcpu_of_pid_.find(sg4::this_actor::get_pid());
  return it == vcpu_of_pid_.end() ? -1 : it->second;
}

void HostCpus::notify(int v) {
  XBT_VERB("notify vCPU %d (%s)", v, sched_.running(v) ? "running" : "not running");
  cv_[static_cast<std::size_t>(v)]->notify_all();
}

void HostCpus::notify_all(const std::vector<int>& vs) {
  for (int v : vs) notify(v);
}

void HostCpus::poke_scheduler() {
  if (!sleeping_) return;  // it looks again before it sleeps
  sleeping_ = false;
  wake_->release();
}

void HostCpus::wait_running() {
  const int v = current();
  if (sched_.running(v)) return;
  std::unique_lock<sg4::Mutex> lk(*mutex_);
  while (!sched_.running(v)) cv_[static_cast<std::size_t>(v)]->wait(lk);
}

int HostCpus::suspend() {
  const int v = current();
  vcpu_of_pid_.erase(sg4::this_actor::get_pid());
  return v;
}

void HostCpus::resume(int v) {
  if (v < 0) return;
  vcpu_of_pid_[sg4::this_actor::get_pid()] = v;
  wait_running();
}

// Keeps the CPU until `deadline` or until the vCPU loses it, whichever comes first.
void HostCpus::hold_cpu_until(int v, double deadline) {
  std::unique_lock<sg4::Mutex> lk(*mutex_);
  while (sched_.running(v) && now() + kEps < deadline) cv_[static_cast<std::size_t>(v)]->wait_until(lk, deadline);
}

void HostCpus::run(double seconds) {
  const int v = current();
  const Working working(*this);
  for (double remaining = seconds; remaining > kEps;) {
    wait_running();
    const double start = now();
    hold_cpu_until(v, start + remaining);
    remaining -= now() - start;
  }
  wait_running();  // preempted as the work ended: what follows at this instant needs the CPU back
}

void HostCpus::busy_until(double t) {
  const int v = current();
  const Working working(*this);
  while (now() + kEps < t) {
    wait_running();
    hold_cpu_until(v, t);
  }
  wait_running();
}

void HostCpus::halt_now(int v) {
  const int next = sched_.halt(v, now());
  XBT_VERB("vCPU %d halts; vCPU %d takes its CPU", v, next);
  if (next >= 0) on_running(next);
  poke_scheduler();
}

void HostCpus::wake_now(int v) {
  if (sched_.wake(v, now()))
    on_running(v);
  else
    poke_scheduler();
}

void HostCpus::on_running(int v) {
  Spin& s = spin_[static_cast<std::size_t>(v)];
  if (s.lock && !s.halted) s.deadline = now() + pv_threshold_s_;  // it spins again: its budget counts anew
  notify(v);
}

void HostCpus::idle_until(double t) {
  block_begin();
  if (t > now() + kEps) sg4::this_actor::sleep_until(t);
  block_end();
}

void HostCpus::until(double t) {
  if (busy_)
    busy_until(t);
  else
    idle_until(t);
}

void HostCpus::block_begin() { halt_now(current()); }

void HostCpus::block_end() {
  wake_now(current());
  wait_running();
}

void HostCpus::preempt_disable() { sched_.preempt_disable(current()); }

void HostCpus::preempt_enable() {
  sched_.preempt_enable(current());
  poke_scheduler();  // a slice that ended meanwhile ends now
}

int HostCpus::holder_of(const sg4::Mutex* m) const {
  const auto it = holders_.find(m);
  return it == holders_.end() ? -1 : it->second;
}

// Only a spinning vCPU that runs can execute pv_wait.
void HostCpus::pv_halt(int v) {
  Spin& s = spin_[static_cast<std::size_t>(v)];
  s.halted = true;
  s.kicked = false;
  ++halts_[static_cast<std::size_t>(v)];
  halt_now(v);
  if (s.lock && !holders_.count(s.lock)) offer(s.lock, false);  // free: someone running takes it, or is kicked
}

bool HostCpus::may_take(int v, const sg4::Mutex* m) const {
  const Spin& s = spin_[static_cast<std::size_t>(v)];
  if (holders_.count(m) || (s.halted && !s.kicked) || !sched_.running(v)) return false;
  const auto g = granted_.find(m);
  return g == granted_.end() || g->second < 0 || g->second == v;
}

void HostCpus::offer(const sg4::Mutex* m, bool unlocked) {
  // A free queued lock goes to its longest waiter that spins on a CPU; with none, to whichever waiter runs
  // first (a waiter without a CPU does not hold the others up). The unlocker kicks the longest-halted
  // waiter (pv_kick()); so does a re-offer that finds nobody spinning on a CPU.
  int grant = -1, kick = -1;
  for (std::size_t v = 0; v < spin_.size(); ++v) {
    const Spin& s = spin_[v];
    if (s.lock != m) continue;
    const int i = static_cast<int>(v);
    if (!s.halted && sched_.running(i) && (grant < 0 || s.since < spin_[static_cast<std::size_t>(grant)].since)) grant = i;
    if (s.halted && !s.kicked && (kick < 0 || s.since < spin_[static_cast<std::size_t>(kick)].since)) kick = i;
  }
  granted_[m] = grant;
  if (kick >= 0 && (unlocked || grant < 0)) spin_[static_cast<std::size_t>(kick)].kicked = true;
  for (std::size_t v = 0; v < spin_.size(); ++v)
    if (spin_[v].lock == m) notify(static_cast<int>(v));
}

void HostCpus::spin_lock(sg4::Mutex& m, bool host) {
  const int v = current();
  if (v < 0 || host) {
    // Not a guest's vCPU (a host thread, or the host's own lock on a vCPU's thread): it spins where it is,
    // on no vCPU, and takes the lock whenever it is free (no grant applies to it).
    if (holders_.count(&m)) {
      std::unique_lock<sg4::Mutex> lk(*mutex_);
      while (holders_.count(&m)) released_->wait(lk);
    }
    holders_[&m] = v;
    return;
  }
  Spin& s = spin_[static_cast<std::size_t>(v)];
  wait_running();
  while (!may_take(v, &m)) {
    if (!s.lock) s = Spin{&m, now(), now() + pv_threshold_s_, false, false};
    const int holder = holder_of(&m);
    // pv_wait_early(): the holder's vCPU is preempted (vcpu_is_preempted(): runnable without a CPU; a holder
    // halted or blocked in the host is not "preempted" to the guest).
    if (pv_spinlocks_ && !s.halted && sched_.running(v) && holder >= 0 && sched_.state(holder) == VcpuScheduler::State::waiting)
      pv_halt(v);
    poke_scheduler();  // the threshold is a deadline
    {
      std::unique_lock<sg4::Mutex> lk(*mutex_);
      s.spinning = true;
      while (!may_take(v, &m)) {
        if (s.halted && s.kicked) {  // kicked: runnable again, and it spins once it has a CPU
          s.halted = s.kicked = false;
          wake_now(v);
          continue;
        }
        cv_[static_cast<std::size_t>(v)]->wait(lk);
      }
      s.spinning = false;
    }
  }
  granted_.erase(&m);
  s.lock = nullptr;
  s.halted = s.kicked = false;
  holders_[&m] = v;
  last_progress_ = now();
}

void HostCpus::spin_unlock(sg4::Mutex& m) {
  holders_.erase(&m);
  released_->notify_all();
  offer(&m, true);
}

void HostCpus::pv_halt_spinners_of(int holder) {
  for (std::size_t v = 0; v < spin_.size(); ++v) {
    const Spin& s = spin_[v];
    if (s.spinning && !s.halted && sched_.running(static_cast<int>(v)) && holder_of(s.lock) == holder)
      pv_halt(static_cast<int>(v));
  }
}

double HostCpus::steal(int v) const { return sched_.steal(v, now()); }

void HostCpus::scheduler_actor(double give_up_after) {
  std::vector<int> stopped, started;
  while (true) {
    // vCPUs taking turns while none of them works, computes or takes a lock for that long are stuck.
    if (in_work_ == 0 && now() - last_progress_ > give_up_after) break;
    double next = sched_.next_preemption();
    if (next < VcpuScheduler::kNever) next = std::min(next, last_progress_ + give_up_after + kEps);
    if (pv_spinlocks_)
      for (std::size_t v = 0; v < spin_.size(); ++v)
        if (spin_[v].spinning && !spin_[v].halted && sched_.running(static_cast<int>(v))) next = std::min(next, spin_[v].deadline);
    if (next > now() + kEps) {
      // A semaphore, not a condition variable: a daemon killed at the end of the run must hold no lock.
      sleeping_ = true;
      if (next == VcpuScheduler::kNever)
        wake_->acquire();
      else
        wake_->acquire_timeout(next - now());
      sleeping_ = false;
      continue;  // woken early: something changed, look again
    }
    stopped.clear();
    started.clear();
    sched_.tick(now() + kEps, stopped, started);
    for (std::size_t i = 0; i < stopped.size(); ++i) XBT_VERB("vCPU %d preempted by vCPU %d", stopped[i], started[i]);  // a slice ending within the clock's precision ends now
    notify_all(stopped);
    for (int in : started) on_running(in);
    // A preempted waiter granted a free lock gives the grant up: whoever runs first takes it.
    for (int out : stopped) {
      const Spin& s = spin_[static_cast<std::size_t>(out)];
      const auto g = s.lock && !holders_.count(s.lock) ? granted_.find(s.lock) : granted_.end();
      if (g != granted_.end() && g->second == out) offer(s.lock, false);
    }
    if (!pv_spinlocks_) continue;
    for (int out : stopped) pv_halt_spinners_of(out);  // their holder lost its CPU
    for (std::size_t v = 0; v < spin_.size(); ++v) {
      const Spin& s = spin_[v];
      // Spun SPIN_THRESHOLD loops: pv_wait().
      if (s.spinning && !s.halted && sched_.running(static_cast<int>(v)) && s.deadline <= now() + kEps)
        pv_halt(static_cast<int>(v));
    }
  }
  // The vCPUs are stuck taking turns (a model bug): say where; without preemption SimGrid then sees them
  // deadlocked and the run fails.
  stuck_ = true;
  XBT_WARN("the vCPUs made no progress for %.3f s: giving up", give_up_after);
  for (std::size_t v = 0; v < spin_.size(); ++v) {
    const Spin& sp = spin_[v];
    const int i = static_cast<int>(v);
    XBT_WARN("vCPU %d: %s%s%s%s", i,
             sched_.running(i) ? "running" : sched_.state(i) == VcpuScheduler::State::waiting ? "waiting" : "halted",
             sp.lock ? (holders_.count(sp.lock) ? ", spinning on a lock held by " + std::to_string(holder_of(sp.lock))
                                                : std::string(", spinning on a free lock")).c_str() : "",
             sp.halted ? " (pv halted)" : "", sp.kicked ? " (kicked)" : "");
  }
}

}  // namespace svasim
