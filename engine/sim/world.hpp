#pragma once
// State the actors of one simulation share: the scenario, the models picked from the registry, the
// timing parameters read once, and each IOMMU's queue and each device's ITags. Lives for one run.
#include <simgrid/s4u.hpp>
#include <deque>
#include <memory>
#include <vector>

#include "engine/scenario.hpp"
#include "engine/sim/platform.hpp"
#include "engine/stats.hpp"
#include "models/domain/domain_sharing.hpp"
#include "models/flush/planner.hpp"

namespace svasim {

// Parameters read once so actors never look a name up on their paths (values in seconds or bytes).
struct Timing {
  double notifier, submit, desc_write, poll;  // CPU
  double iotlb_inv, devtlb_issue, wait;       // IOMMU engine
  double device_ats_inv;                      // default per-device ATS invalidation time
  double device_ats_jitter;                   // mean exponential extra delay per answer
  std::uint64_t desc_bytes, ats_msg_bytes;
  int max_ats_outstanding;
  explicit Timing(const Params& p);
};

// One submission in flight: lives on the submitting CPU thread's stack until its wait completes.
struct QueueEntry {
  const Submission* sub = nullptr;
  simgrid::s4u::Mailbox* reply = nullptr;  // where the wait's completion (status write) goes
};

// An ATS Invalidate Request in flight; its ITag is its index in the device's tag array.
struct AtsRequest {
  int device = 0;
  double sent = 0;  // simulated seconds, when the IOMMU sent it
};

struct IommuState {
  std::deque<QueueEntry*> ring;            // descriptors written, in ring order
  std::uint64_t tail = 0;                  // entries ever written (the tail register, unwrapped)
  simgrid::s4u::MutexPtr q_lock;           // VT-d q_lock / AMD iommu->lock
  simgrid::s4u::Mailbox* doorbell = nullptr; // tail-register writes
  simgrid::s4u::Mailbox* ats_done = nullptr; // ATS Invalidate Completions from devices
};

struct DeviceState {
  std::vector<AtsRequest> itags;
  std::vector<int> free_itags;
  simgrid::s4u::Mailbox* ats_inbox = nullptr;
  double ats_inv = 0;  // seconds
  RandomStream rng;    // "device/NAME": the answer-time jitter
};

struct World {
  const Scenario& scenario;
  Timing timing;
  std::unique_ptr<DomainSharing> sharing;
  std::unique_ptr<FlushPlanner> planner;
  Platform platform;
  std::vector<IommuState> iommus;
  std::vector<DeviceState> devices;
  Stats stats;
  World(const Scenario& s, Platform p);
  // Activities are counted where they are started, for the bench's events-per-second figure.
  void sleep(double seconds) {
    if (seconds > 0) {
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

// The actors. Each reads top to bottom like the protocol it models.
void unmap_thread(World& w, int stream_index);
void iommu_queue_engine(World& w, int iommu);
void device_ats_responder(World& w, int device);

}  // namespace svasim
