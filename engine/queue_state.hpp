#pragma once
// An IOMMU's invalidation queue as the CPU actors and the queue engine share it: the ring, its locks,
// the doorbell, the page-request queue and the page walker.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <vector>

#include "core/stats.hpp"
#include "models/flush/plan.hpp"
#include "models/hw/busy_calendar.hpp"
#include "models/hw/page_walker.hpp"
#include "models/queue/qi_ring.hpp"

namespace svasim {

struct PageRequest;


// One submission in flight: lives on the submitting CPU thread until its wait completes.
struct QueueEntry {
  const Submission* sub = nullptr;
  simgrid::s4u::Mailbox* reply = nullptr;  // where the wait's completion (status write) goes
  int process = 0;                         // whose PASID the descriptors name
  int domain = 0;                          // the SVA domain (its DID / ASID)
  bool aborted = false;                    // its wait completed with an invalidation time-out
  bool status_sent = false;                // the IOMMU sent its wait's status write (it may not have landed)
  int queue_space = 0;                     // SMMUv3 command-queue entries it claimed (given back when consumed)
  bool written = false;                    // SMMUv3: its commands are in the queue (valid map set)
  // What it belongs to, for --trace: "unmap" (index: the stream's unmap), "bind"/"unbind"/"page response"
  // (index: the device), "exit".
  const char* what = "unmap";
  std::int64_t what_index = -1;
  // The host kernel's own invalidation (engine/host_load.cpp): the physical queue serves it, but the run's
  // counters and latencies are the guest's and leave it out (host_submissions counts it). A flag, not a
  // `what` compared by address: a string literal's address may differ between translation units.
  bool host_own = false;
  PageRequest* page_request = nullptr;     // a page response: the request it answers ...
  bool responded = false;                  // ... and whether the IOMMU sent it
  // Nobody polls for it: its CPU gave up waiting (AMD wait_on_sem()) and went on, and this is the IOMMU's
  // copy in IommuState::orphans, processed without a status write; or it never has a wait (an AMD page
  // response, kept by the fault handler until sent).
  bool orphan = false;
};

// A submission whose CPU stopped waiting before the IOMMU finished it: the IOMMU still holds its commands.
struct OrphanedEntry {
  Submission sub;
  QueueEntry entry;
};

struct IommuState;
// Wakes the CPU spinning without simulating its polls, if there is one (engine/submit.cpp).
void wake_lazy_spinner(IommuState& q);

struct IommuState {
  std::deque<QueueEntry*> ring;            // descriptors written, in ring order (null: aborted after an ITE)
  std::uint64_t tail = 0;                  // entries ever written (the tail register, unwrapped)
  std::uint64_t head = 0;                  // entries the queue engine has fetched (for the invariants)
  simgrid::s4u::MutexPtr q_lock;           // VT-d q_lock / AMD iommu->lock (the host's, in a guest)
  simgrid::s4u::MutexPtr guest_q_lock;     // the guest driver's lock on its vIOMMU queue
  // The guest's SMMUv3 command queue: claims gathered while an owner has not written PROD yet, owners in
  // turn, and a condition for commands written and CMD_SYNCs completed by the VMM.
  bool guest_cmdq_owned = false;
  std::vector<QueueEntry*> guest_gathered;
  simgrid::s4u::MutexPtr guest_cmdq_owner, guest_cmdq_mutex;
  simgrid::s4u::ConditionVariablePtr guest_cmdq_changed;
  // Submissions in the ring over time (the physical queue's occupancy): integral in entries x ns, since.
  double ring_changed_at = 0;
  QueueEntry* in_engine = nullptr;         // the submission the queue engine is processing
  std::list<OrphanedEntry> orphans;        // submissions their CPUs stopped waiting for, still in the IOMMU
  // A VT-d CPU spinning on a wait with nobody else wanting q_lock does not simulate each poll: it holds
  // q_lock and sleeps until something could change what the polls do (another CPU wants q_lock, a status
  // write leaves the IOMMU, an ITE), then resumes its polls at the phase they would have reached
  // (engine/submit.cpp). At most one CPU spins so at a time: a second one would first want q_lock.
  int lock_wanted = 0;                     // actors waiting for q_lock, or about to
  bool lazy_spinner = false;
  bool lazy_wake = false;
  simgrid::s4u::MutexPtr spin_mutex;
  simgrid::s4u::ConditionVariablePtr spin_cv;
  // VT-d Invalidation Time-out Error: set by the queue engine, which stops fetching until a CPU clears it
  // (writing the fault status register, a message on fault_cleared). itesid_device: the device whose
  // request timed out (ITESID in DMAR_IQER_REG).
  bool ite = false;
  int itesid_device = -1;
  // VT-d Invalidation Queue Error: the engine stopped at the first descriptor of iqe_entry (an injected
  // fault: the first submission fetched at or after bad_descriptor_at, in s; < 0: none left).
  bool iqe = false;
  const QueueEntry* iqe_entry = nullptr;
  double bad_descriptor_at = -1;
  simgrid::s4u::Mailbox* fault_cleared = nullptr;
  QiRing slots;                            // VT-d ring slots (reclaimed in ring order, reclaim_free_desc())
  int response_slots = 0;                  // held by the fault handler's page response in flight
  int queue_capacity = 0, queue_free = 0;  // SMMUv3 command-queue entries, and those not yet claimed
  int space_waiters = 0;
  simgrid::s4u::MutexPtr space_mutex;
  simgrid::s4u::ConditionVariablePtr space_freed;
  // SMMUv3 command-queue ownership (arm_smmu_cmdq_issue_cmdlist()): a CPU whose claim of queue space finds
  // the OWNED flag clear becomes the owner and sets it; the claims made while it is set are gathered. The
  // owner, once the previous owner has written PROD, clears the flag (the gathering stops), waits for the
  // gathered commands to be written and writes PROD once for all of them.
  bool cmdq_owned = false;
  std::uint64_t owner_prod = 0;            // PROD as the last owner wrote it (ring entries, unwrapped)
  simgrid::s4u::MutexPtr cmdq_owner;       // owners in turn (cmdq->owner_prod)
  int gather_waiters = 0;
  simgrid::s4u::ConditionVariablePtr gathered_written;  // with space_mutex
  simgrid::s4u::ConditionVariablePtr slots_freed;
  simgrid::s4u::Mailbox* doorbell = nullptr; // tail-register writes
  simgrid::s4u::Mailbox* ats_done = nullptr; // ATS Invalidate Completions from devices
  simgrid::s4u::Mailbox* prq = nullptr;      // page requests (PRI), at the IOMMU
  simgrid::s4u::Mailbox* prq_to_cpu = nullptr; // ... and written to memory for the CPU's handler
  simgrid::s4u::Mailbox* prq_responses = nullptr; // responses the CPU gives outside the queue, to forward
  int prq_capacity = 0;
  // Page requests queued or being handled, by sequence number: (PASID, device). A drain waits for the ones
  // outstanding when it starts, never for later ones (which a steadily faulting device would supply for ever).
  std::map<std::uint64_t, std::pair<std::uint32_t, int>> prq_outstanding;
  std::uint64_t prq_seq = 0;
  int prq_total = 0;
  bool prq_overflowed = false;               // the PRO bit: cleared by the drain that sees it
  simgrid::s4u::ConditionVariablePtr prq_drained;
  simgrid::s4u::MutexPtr prq_mutex;
  std::unique_ptr<PageWalker> walker;
  ServerPool walkers{1};                   // the walks it can have in flight (iommu.walkers)
};

// Called just before the ring gains or loses an entry (and once at the end of the run): the occupancy
// integral up to `now_s`, and its maximum.
inline void ring_changing(IommuState& q, QueueCounters& c, double now_s, int delta) {
  c.queue_occupancy_ns += static_cast<double>(q.ring.size()) * (now_s - q.ring_changed_at) * 1e9;
  q.ring_changed_at = now_s;
  const auto after = static_cast<std::uint64_t>(static_cast<std::int64_t>(q.ring.size()) + delta);
  c.queue_occupancy_max = std::max(c.queue_occupancy_max, after);
}

}  // namespace svasim
