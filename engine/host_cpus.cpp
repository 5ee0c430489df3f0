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
      spin_(static_cast<std::size_t>(vcpus)),
      halts_(static_cast<std::size_t>(vcpus)) {
  for (int v = 0; v < vcpus; ++v) cv_.push_back(sg4::ConditionVariable::create());
}

void HostCpus::attach(int v) {
  vcpu_of_pid_[sg4::this_actor::get_pid()] = v;
  if (!sched_.wake(v, now())) poke_scheduler();
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

void HostCpus::run(double seconds) {
  const int v = current();
  double remaining = seconds;
  while (remaining > kEps) {
    wait_running();
    const double start = now(), deadline = start + remaining;
    {
      std::unique_lock<sg4::Mutex> lk(*mutex_);
      while (sched_.running(v) && now() + kEps < deadline) cv_[static_cast<std::size_t>(v)]->wait_until(lk, deadline);
    }
    remaining -= now() - start;
  }
}

void HostCpus::busy_until(double t) {
  const int v = current();
  while (now() + kEps < t) {
    wait_running();
    std::unique_lock<sg4::Mutex> lk(*mutex_);
    while (sched_.running(v) && now() + kEps < t) cv_[static_cast<std::size_t>(v)]->wait_until(lk, t);
  }
  wait_running();
}

void HostCpus::halt_now(int v) {
  const int next = sched_.halt(v, now());
  XBT_VERB("vCPU %d halts; vCPU %d takes its CPU", v, next);
  if (next >= 0) notify(next);
  poke_scheduler();
}

void HostCpus::idle_until(double t) {
  const int v = current();
  halt_now(v);
  if (t > now() + kEps) sg4::this_actor::sleep_until(t);
  if (!sched_.wake(v, now())) poke_scheduler();
  wait_running();
}

void HostCpus::until(double t) {
  if (busy_)
    busy_until(t);
  else
    idle_until(t);
}

void HostCpus::block_begin() { halt_now(current()); }

void HostCpus::block_end() {
  if (!sched_.wake(current(), now())) poke_scheduler();
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

void HostCpus::pv_halt(int v) {
  Spin& s = spin_[static_cast<std::size_t>(v)];
  s.halted = true;
  s.kicked = false;
  ++halts_[static_cast<std::size_t>(v)];
  if (sched_.state(v) != VcpuScheduler::State::halted) halt_now(v);
}

bool HostCpus::may_take(int v, const sg4::Mutex* m) const {
  const Spin& s = spin_[static_cast<std::size_t>(v)];
  if (holders_.count(m) || (s.halted && !s.kicked) || !sched_.running(v)) return false;
  const auto g = granted_.find(m);
  return g == granted_.end() || g->second < 0 || g->second == v;
}

void HostCpus::spin_lock(sg4::Mutex& m) {
  const int v = current();
  if (v < 0) {
    m.lock();
    holders_[&m] = -1;
    return;
  }
  Spin& s = spin_[static_cast<std::size_t>(v)];
  while (!(may_take(v, &m) && m.try_lock())) {
    // Free as far as we knew, yet taken: another actor got it from the mutex's own queue; it is held.
    if (may_take(v, &m)) holders_.emplace(&m, -1);
    if (!s.lock) s = Spin{&m, now(), now() + pv_threshold_s_, false, false};
    const int holder = holder_of(&m);
    if (pv_spinlocks_ && !s.halted && holder >= 0 && !sched_.running(holder)) pv_halt(v);  // pv_wait_early()
    poke_scheduler();  // the threshold is a deadline
    {
      std::unique_lock<sg4::Mutex> lk(*mutex_);
      s.spinning = true;
      while (!may_take(v, &m)) {
        if (s.halted && s.kicked) {  // kicked: runnable again, and it spins once it has a CPU
          s.halted = s.kicked = false;
          if (!sched_.wake(v, now())) poke_scheduler();
          continue;
        }
        cv_[static_cast<std::size_t>(v)]->wait(lk);
      }
      s.spinning = false;
    }
    s.deadline = now() + pv_threshold_s_;
  }
  granted_.erase(&m);
  s.lock = nullptr;
  s.halted = s.kicked = false;
  holders_[&m] = v;
}

void HostCpus::spin_unlock(sg4::Mutex& m) {
  holders_.erase(&m);
  m.unlock();
  // The queued lock goes to its longest waiter that is spinning on a CPU; with none, to whichever waiter
  // runs first (a waiter that is not running does not hold the others up). The unlocker kicks the
  // longest-halted waiter (pv_kick()).
  int grant = -1, kick = -1;
  for (std::size_t v = 0; v < spin_.size(); ++v) {
    const Spin& s = spin_[v];
    if (s.lock != &m) continue;
    const int i = static_cast<int>(v);
    if (!s.halted && sched_.running(i) && (grant < 0 || s.since < spin_[static_cast<std::size_t>(grant)].since)) grant = i;
    if (s.halted && !s.kicked && (kick < 0 || s.since < spin_[static_cast<std::size_t>(kick)].since)) kick = i;
  }
  granted_[&m] = grant;
  if (kick >= 0) spin_[static_cast<std::size_t>(kick)].kicked = true;
  for (std::size_t v = 0; v < spin_.size(); ++v)
    if (spin_[v].lock == &m) notify(static_cast<int>(v));
}

void HostCpus::pv_halt_spinners_of(int holder) {
  for (std::size_t v = 0; v < spin_.size(); ++v) {
    const Spin& s = spin_[v];
    if (s.spinning && !s.halted && holder_of(s.lock) == holder) pv_halt(static_cast<int>(v));
  }
}

double HostCpus::steal(int v) const { return sched_.steal(v, now()); }

void HostCpus::scheduler_actor() {
  std::vector<int> stopped, started;
  while (true) {
    double next = sched_.next_preemption();
    if (pv_spinlocks_)
      for (const Spin& s : spin_)
        if (s.spinning && !s.halted) next = std::min(next, s.deadline);
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
    notify_all(started);
    if (!pv_spinlocks_) continue;
    for (int out : stopped) pv_halt_spinners_of(out);  // their holder lost its CPU
    for (std::size_t v = 0; v < spin_.size(); ++v) {
      const Spin& s = spin_[v];
      // Spun SPIN_THRESHOLD loops: pv_wait().
      if (s.spinning && !s.halted && s.deadline <= now() + kEps) pv_halt(static_cast<int>(v));
    }
  }
}

}  // namespace svasim
