// The host scheduler's view of vCPU threads (models/vm/vcpu_scheduler.hpp): invariants that hold for any
// slice and any counts, and the slice scaling of kernel/sched/fair.c get_update_sysctl_factor()
// (SCHED_TUNABLESCALING_LOG; read in Linux v6.14).
#include <catch2/catch.hpp>

#include <algorithm>

#include "models/vm/vcpu_scheduler.hpp"

using namespace svasim;

namespace {
// Every vCPU runnable from 0 to `until`: steps the scheduler through its preemptions.
VcpuScheduler all_busy(int vcpus, int pcpus, bool pinned, double slice, double until) {
  VcpuScheduler s(vcpus, pcpus, pinned, slice);
  for (int v = 0; v < vcpus; ++v) s.wake(v, 0);
  std::vector<int> stopped, started;
  for (double t = s.next_preemption(); t <= until; t = s.next_preemption()) {
    s.tick(t, stopped, started);
    REQUIRE(stopped.size() == started.size());
  }
  return s;
}
}  // namespace

TEST_CASE("vcpu scheduler: the slice scales by 1 + ilog2(min(CPUs, 8))", "[unit][vm]") {
  CHECK(scaled_slice(0.75e-3, 1) == Approx(0.75e-3));
  CHECK(scaled_slice(0.75e-3, 2) == Approx(1.5e-3));
  CHECK(scaled_slice(0.75e-3, 4) == Approx(2.25e-3));
  CHECK(scaled_slice(0.75e-3, 8) == Approx(3.0e-3));
  CHECK(scaled_slice(0.75e-3, 64) == Approx(3.0e-3));
}

TEST_CASE("vcpu scheduler: no more vCPUs than CPUs: everyone runs at once, nothing is stolen", "[unit][vm]") {
  for (bool pinned : {false, true}) {
    VcpuScheduler s = all_busy(8, 8, pinned, 1e-3, 1.0);
    CHECK(s.next_preemption() == VcpuScheduler::kNever);
    for (int v = 0; v < 8; ++v) {
      CHECK(s.running(v));
      CHECK(s.steal(v, 1.0) == 0);
    }
  }
}

TEST_CASE("vcpu scheduler: overcommitted vCPUs share the CPUs fairly, within a slice", "[unit][vm]") {
  const double slice = 3e-3, T = 1.0;
  for (int vcpus : {3, 5, 8, 16}) {
    const int pcpus = 2;
    VcpuScheduler s = all_busy(vcpus, pcpus, false, slice, T);
    double stolen = 0;
    for (int v = 0; v < vcpus; ++v) {
      const double share = 1.0 - s.steal(v, T) / T;
      CHECK(share == Approx(static_cast<double>(pcpus) / vcpus).margin(2 * slice * vcpus / T));
      stolen += s.steal(v, T);
    }
    // Conservation: the CPUs were never idle, so the time not run is exactly (V - P) x T.
    CHECK(stolen == Approx((vcpus - pcpus) * T).epsilon(1e-9));
  }
}

TEST_CASE("vcpu scheduler: pinned vCPUs only compete with those on their own CPU", "[unit][vm]") {
  // vCPUs 0 and 2 on CPU 0, vCPU 1 alone on CPU 1.
  VcpuScheduler s = all_busy(3, 2, true, 1e-3, 0.5);
  CHECK(s.steal(1, 0.5) == 0);
  CHECK(s.steal(0, 0.5) + s.steal(2, 0.5) == Approx(0.5).epsilon(1e-9));
  CHECK(s.steal(0, 0.5) == Approx(0.25).margin(1e-3));
}

TEST_CASE("vcpu scheduler: halting hands the CPU to the first waiter, and waking queues behind a busy CPU", "[unit][vm]") {
  VcpuScheduler s(3, 1, false, 1e-3);
  CHECK(s.wake(0, 0));
  CHECK_FALSE(s.wake(1, 0.1e-3));
  CHECK_FALSE(s.wake(2, 0.2e-3));
  CHECK(s.state(1) == VcpuScheduler::State::waiting);
  CHECK(s.halt(0, 0.5e-3) == 1);
  CHECK(s.running(1));
  CHECK(s.steal(1, 1) == Approx(0.4e-3));
  // A waiter that halts leaves the queue without running.
  CHECK(s.halt(2, 0.6e-3) == -1);
  CHECK(s.state(2) == VcpuScheduler::State::halted);
  CHECK(s.steal(2, 1) == Approx(0.4e-3));
  CHECK(s.next_preemption() == VcpuScheduler::kNever);
}

TEST_CASE("vcpu scheduler: a waiter gets the CPU at the running vCPU's next slice boundary", "[unit][vm]") {
  VcpuScheduler s(2, 1, true, 1e-3);
  s.wake(0, 0);
  s.wake(1, 2.5e-3);  // vCPU 0 ran alone for 2.5 slices: its current slice ends at 3 ms
  CHECK(s.next_preemption() == Approx(3e-3));
  std::vector<int> stopped, started;
  s.tick(3e-3, stopped, started);
  CHECK(stopped == std::vector<int>{0});
  CHECK(started == std::vector<int>{1});
  CHECK(s.next_preemption() == Approx(4e-3));
}

TEST_CASE("vcpu scheduler: no preemption inside a host critical section, and at once after it", "[unit][vm]") {
  VcpuScheduler s(2, 1, false, 1e-3);
  s.wake(0, 0);
  s.wake(1, 0);
  s.preempt_disable(0);
  CHECK(s.next_preemption() == VcpuScheduler::kNever);
  std::vector<int> stopped, started;
  s.tick(5e-3, stopped, started);
  CHECK(stopped.empty());
  s.preempt_enable(0);
  CHECK(s.next_preemption() <= 5e-3);
  s.tick(5e-3, stopped, started);
  CHECK(stopped == std::vector<int>{0});
  CHECK(s.steal(1, 5e-3) == Approx(5e-3));
}
