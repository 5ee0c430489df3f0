#pragma once
// State the actors of one simulation share: the scenario, the models picked from the registry, the
// timing parameters read once, each process's page table, each IOMMU's queue and page walker, and each
// device's ITags, ATC and in-flight DMA. Lives for one run.
#include <simgrid/s4u.hpp>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "engine/scenario.hpp"
#include "engine/sim/platform.hpp"
#include "engine/stats.hpp"
#include "models/domain/domain_sharing.hpp"
#include "models/domain/domain_table.hpp"
#include "models/flush/planner.hpp"
#include "models/hw/page_walker.hpp"
#include "models/hw/translation_cache.hpp"

namespace svasim {

// Parameters read once so actors never look a name up on their paths (values in seconds or bytes).
struct Timing {
  double notifier, submit, desc_write, poll;  // CPU
  double iotlb_inv, devtlb_issue, wait;       // IOMMU engine
  double device_ats_inv;                      // default per-device ATS invalidation time
  double device_ats_jitter;                   // mean exponential extra delay per answer
  std::uint64_t desc_bytes, ats_msg_bytes;
  int max_ats_outstanding;
  double memory, iotlb_miss, walk_read;       // translation path
  double pri_dispatch, pri_fault;             // I/O page faults
  int prq_entries;
  int dma_max_outstanding;
  bool ats_inv_waits_for_dma;
  double vm_exit, vm_emulated_desc, vm_iommufd;  // guests
  double bind, unbind;                           // CPU work of bind / unbind besides the queues
  double ats_timeout = 0;                        // the driver family's time-out (set by World)
  explicit Timing(const Params& p);
};

// A process's page table as devices see it: one present bit per mapping (4 KiB or 2 MiB page).
struct MmState {
  std::vector<std::uint8_t> present;
  unsigned page_shift = 12;
  std::uint64_t bytes = 0;
  std::vector<int> device_domain;  // per device index: the SVA domain id it is attached through, -1 unbound
  std::unique_ptr<DomainTable> table;  // live domains and handles
  bool is_present(std::uint64_t addr) const { return addr < bytes && present[addr >> page_shift]; }
  // Marks the mappings overlapping [start, end) (bytes; clipped to the region).
  void set_present(std::uint64_t start, std::uint64_t end, bool value);
};

// IOTLB/paging-structure tag of (process, domain): per-device domains really do not share entries.
inline std::uint32_t iotlb_scope(int process, int domain) {
  return static_cast<std::uint32_t>(process) << 16 | static_cast<std::uint32_t>(domain);
}

// One submission in flight: lives on the submitting CPU thread until its wait completes.
struct QueueEntry {
  const Submission* sub = nullptr;
  simgrid::s4u::Mailbox* reply = nullptr;  // where the wait's completion (status write) goes
  int process = 0;                         // whose PASID the descriptors name
  int domain = 0;                          // the SVA domain (its DID / ASID)
  bool aborted = false;                    // its wait completed with an invalidation time-out
};

// An ATS Invalidate Request in flight; its ITag is its index in the device's tag array.
struct AtsRequest {
  int device = 0;
  double sent = 0;  // simulated seconds, when the IOMMU sent it
  std::uint32_t pasid = 0;
  std::uint64_t start = 0, end = 0;  // bytes; end exclusive
  bool whole = false;
  bool aborted = false;  // the IOMMU gave up on it (time-out)
  bool dropped = false;  // the device will never answer it (stuck or removed)
};

// A DMA request between its translation and its completion, visible to the device's ATS responder.
struct InflightDma {
  std::uint64_t start = 0, end = 0;
  std::uint32_t pasid = 0;
  double translated_at = 0;  // when its translation was obtained (seconds)
  bool transferring = false; // data moving: an invalidation must wait for it
  bool retranslate = false;  // invalidated before its transfer started: translate again first
  bool used_atc = false;
};

// An invalidation the device has answered, remembered briefly for the stale-translation check.
struct AnsweredInvalidation {
  std::uint32_t pasid = 0;
  std::uint64_t start = 0, end = 0;
  bool whole = false;
  double arrived = 0;   // the ATC entries were dropped: translations obtained later are fresh
  double answered = 0;  // the Invalidate Completion left: the invalidation is complete
};

struct PageRequest {
  simgrid::s4u::Mailbox* reply = nullptr;  // the requesting DMA engine's page-response mailbox
  int device = 0;
  std::uint32_t pasid = 0;
  std::uint64_t addr = 0;
  double sent = 0;
};

// Where the kernel whose flushes we model runs.
enum class Environment { bare_metal, guest_emulated_viommu, guest_nested };

struct IommuState {
  std::deque<QueueEntry*> ring;            // descriptors written, in ring order
  std::uint64_t tail = 0;                  // entries ever written (the tail register, unwrapped)
  simgrid::s4u::MutexPtr q_lock;           // VT-d q_lock / AMD iommu->lock (the host's, in a guest)
  simgrid::s4u::MutexPtr guest_q_lock;     // the guest driver's lock on its vIOMMU queue
  simgrid::s4u::MutexPtr vmm_queue;        // the VMM emulates one queue per vIOMMU: one exit at a time
  int free_slots = 0;                      // VT-d ring slots not holding a descriptor
  simgrid::s4u::ConditionVariablePtr slots_freed;
  simgrid::s4u::Mailbox* doorbell = nullptr; // tail-register writes
  simgrid::s4u::Mailbox* ats_done = nullptr; // ATS Invalidate Completions from devices
  simgrid::s4u::Mailbox* prq = nullptr;      // page requests (PRI)
  int prq_capacity = 0;
  std::map<int, int> prq_pending;            // page requests in flight or queued, per device
  int prq_total = 0;
  bool prq_overflowed = false;               // the PRO bit: cleared by the drain that sees it
  simgrid::s4u::ConditionVariablePtr prq_drained;
  simgrid::s4u::MutexPtr prq_mutex;
  std::unique_ptr<PageWalker> walker;
};

struct DeviceState {
  std::vector<AtsRequest> itags;
  std::vector<int> free_itags;
  simgrid::s4u::Mailbox* ats_inbox = nullptr;
  double ats_inv = 0;  // seconds
  RandomStream rng{0, ""};  // reseeded "device/NAME": the answer-time jitter
  std::unique_ptr<TranslationCache> atc;  // null for non-ATS devices
  std::vector<InflightDma*> inflight;
  simgrid::s4u::MutexPtr inflight_mutex;
  simgrid::s4u::ConditionVariablePtr dma_finished;
  int invalidations_waiting = 0;
  std::deque<AnsweredInvalidation> answered;  // the most recent few
};

// SimGrid's time precision as configured (surf/precision): shorter sleeps are rounding noise.
inline constexpr double kTimeEpsilon = 1e-11;

struct World {
  const Scenario& scenario;
  Timing timing;
  std::unique_ptr<DomainSharing> sharing;
  std::unique_ptr<FlushPlanner> planner;
  Environment environment = Environment::bare_metal;
  Platform platform;
  std::vector<MmState> mms;
  std::vector<IommuState> iommus;
  std::vector<DeviceState> devices;
  Stats stats;
  int running = 0;  // CPU threads and DMA engines still running; > 0 after the run means they deadlocked
  std::map<std::pair<int, int>, simgrid::s4u::MutexPtr> domain_locks;  // (process, domain id), made on use
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
  DomainUse& use_of(int process, int domain);
  World(const Scenario& s, Platform p);
  // Activities are counted where they are started, for the bench's events-per-second figure.
  void sleep(double seconds) {
    if (seconds > kTimeEpsilon) {
      ++stats.sim_activities;
      simgrid::s4u::this_actor::sleep_for(seconds);
    }
  }
  void send(simgrid::s4u::Mailbox* mb, void* payload, std::uint64_t bytes) {
    ++stats.sim_activities;
    ++stats.sim_comms;
    mb->put_init(payload, bytes)->detach();
  }
};

// The attachment a bind of `device` creates, with the device's capabilities.
Attachment attachment_of(const Topology& topo, int device);

// Issues one planned submission from the calling CPU actor (locks, copies, tail write, wait); `entry` must
// outlive the queue's use of it (a submission without a wait is still in the ring when this returns).
void submit(World& w, QueueEntry& entry, QueueDiscipline discipline);

// The actors. Each reads top to bottom like the protocol it models.
void unmap_thread(World& w, int stream_index);
void iommu_queue_engine(World& w, int iommu);
void device_ats_responder(World& w, int device);
void dma_engine(World& w, int stream_index, int device);
void page_request_handler(World& w, int iommu);
void bind_thread(World& w, int process);
// Records the live domains and PASIDs now (maxima and timelines).
void count_live(World& w);

}  // namespace svasim
