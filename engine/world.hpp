#pragma once
// State the actors of one simulation share: the scenario, the models picked from the registry, the
// timing parameters read once, each process's page table, each IOMMU's queue and page walker, and each
// device's ITags, ATC and in-flight DMA. Lives for one run.
#include <simgrid/s4u.hpp>
#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/scenario.hpp"
#include "engine/device_state.hpp"
#include "engine/host_cpus.hpp"
#include "engine/mm_state.hpp"
#include "engine/pcie_fabric.hpp"
#include "engine/platform.hpp"
#include "engine/queue_state.hpp"
#include "engine/timing.hpp"
#include "engine/trace.hpp"
#include "core/stats.hpp"
#include "models/domain/domain_sharing.hpp"
#include "models/domain/domain_table.hpp"
#include "models/environment/environment.hpp"
#include "models/flush/attachment.hpp"
#include "models/flush/planner.hpp"
#include "models/mm/arch_tlb_flush.hpp"
#include "models/hw/page_walker.hpp"
#include "models/hw/translation_cache.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

// SimGrid's time precision as configured (surf/precision): shorter sleeps are rounding noise.
inline constexpr double kTimeEpsilon = 1e-11;

struct World {
  const Scenario& scenario;
  Timing timing;
  std::unique_ptr<DomainSharing> sharing;
  std::unique_ptr<ArchTlbFlush> arch;            // what the CPU's TLB flush tells the notifier
  std::unique_ptr<FlushPlanner> planner;
  std::unique_ptr<QueueDiscipline> queue;        // how the driver issues submissions
  std::unique_ptr<Environment> environment;      // bare metal, or a guest whose tail writes trap
  Platform platform;
  PcieFabric fabric;   // the links as DMA sees them, TLP by TLP
  MemoryState memory;  // behind the root complexes
  std::vector<MmState> mms;
  std::vector<IommuState> iommus;
  std::vector<DeviceState> devices;
  Stats stats;
  int running = 0;  // CPU threads and DMA engines still running; > 0 after the run means they deadlocked
  std::map<std::pair<int, int>, simgrid::s4u::MutexPtr> domain_locks;  // (process, domain id), made on use
  simgrid::s4u::MutexPtr sva_lock;  // iommu_sva_lock (drivers/iommu/iommu-sva.c): one for the whole system
  // A guest's VMM: its global lock (QEMU's BQL), under which it handles every vIOMMU's exits.
  simgrid::s4u::MutexPtr vmm_lock;
  // The host CPUs a guest's vCPUs (its unmap threads) share (vm.host_cpus > 0), else null: dedicated.
  std::unique_ptr<HostCpus> host_cpus;
  // The kernel's spinlocks (queue locks, domain locks) as the run's CPU threads take them: on a vCPU sharing
  // host CPUs the waiter spins on its CPU, or halts with paravirtual spinlocks, and the holder is tracked
  // for pv_wait_early(); elsewhere a plain lock.
  // A submission of the host kernel's own driver on the physical queue (engine/submit.cpp).
  void host_submit(QueueEntry& entry);
  // `host`: a host kernel's lock taken on the guest's behalf (preemption off, no paravirtual halts).
  void spin_lock(simgrid::s4u::Mutex& m, bool host = false);
  void spin_unlock(simgrid::s4u::Mutex& m);
  simgrid::s4u::Mutex& domain_lock(int process, int domain);
  // Flushes running per (process, domain): a domain is freed only once none runs (the mmu_notifier's
  // SRCU grace period), so no flush ever targets a freed domain.
  struct DomainUse {
    int flushing = 0;
    bool freed = false;
    simgrid::s4u::ConditionVariablePtr idle;
    simgrid::s4u::MutexPtr mutex;
  };
  std::map<std::pair<int, int>, DomainUse> domain_use;
  Trace* trace = nullptr;  // --trace: what the queues did, bounded (engine/trace.hpp)
  DomainUse& use_of(int process, int domain);
  World(const Scenario& s, Platform p);
  // Activities are counted where they are started, for the bench's events-per-second figure.
  // CPU work: on a vCPU sharing host CPUs it advances only while the vCPU runs.
  void sleep(double seconds) {
    if (seconds > kTimeEpsilon) {
      ++stats.sim_activities;
      if (host_cpus && host_cpus->current() >= 0)
        host_cpus->run(seconds);
      else
        simgrid::s4u::this_actor::sleep_for(seconds);
    }
  }
  void send(simgrid::s4u::Mailbox* mb, void* payload, std::uint64_t bytes) {
    ++stats.sim_activities;
    ++stats.sim_comms;
    mb->put_init(payload, bytes)->detach();
  }
};

// Takes a kernel spinlock (World::spin_lock), recording how long the caller waited for it.
inline void lock_and_count(World& w, simgrid::s4u::Mutex& m, Histogram& wait) {
  const double t = simgrid::s4u::Engine::get_clock();
  w.spin_lock(m);
  wait.record(static_cast<std::uint64_t>((simgrid::s4u::Engine::get_clock() - t) * 1e9 + 0.5));
}

// Issues one planned submission from the calling CPU actor through the scenario's queue discipline and
// environment (engine/submit.cpp); `entry` must outlive the queue's use of it (a submission without a
// wait is still in the ring when this returns).
void submit(World& w, QueueEntry& entry);

// The actors. Each reads top to bottom like the protocol it models.
void unmap_thread(World& w, int stream_index);
void host_invalidations(World& w, int iommu);  // engine/host_load.cpp
void iommu_queue_engine(World& w, int iommu);
void device_ats_responder(World& w, int device);
void dma_engine(World& w, int stream_index, int device);
void page_request_queue(World& w, int iommu);
void page_request_handler(World& w, int iommu);
void page_response_forwarder(World& w, int iommu);
void bind_thread(World& w, int process);
// Records the live domains and PASIDs now (maxima and timelines).
void count_live(World& w);

}  // namespace svasim
