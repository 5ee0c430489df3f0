// The host kernel's own invalidations on each physical queue (vm.host_inv_per_ms): at Poisson times, a host
// CPU thread submits one IOTLB invalidation and its wait through the same driver discipline as the host's
// submissions for the guest. Open loop: each arrival is its own thread, so a busy queue delays them but does
// not thin them out. Their scope is an address space no guest or device uses, so they change no cache the run
// measures; host_submissions counts them, and the run's queue counters and latencies leave them out
// (QueueEntry::host_own).
#include <simgrid/s4u.hpp>

#include "engine/world.hpp"
#include "models/vm/host_load.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

constexpr int kHostScope = 0xffff;  // a process and domain id nothing else uses

void one_host_invalidation(World& w, int iommu, std::uint64_t k) {
  sg4::Mailbox* reply = sg4::Mailbox::by_name("host-load-status/" + std::to_string(iommu) + "/" + std::to_string(k));
  reply->set_receiver(sg4::Actor::self());
  const Submission sub{iommu, {host_iotlb_invalidation(w.scenario.queue_model)}, true};
  QueueEntry entry{&sub, reply, kHostScope, kHostScope};
  entry.what = "host";
  entry.host_own = true;
  ++w.stats.per_iommu[iommu].host_submissions;
  w.host_submit(entry);
  reply->set_receiver(nullptr);
}

}  // namespace

void host_invalidations(World& w, int iommu) {
  const HostLoad load = HostLoad::from(w.scenario.params);
  RandomStream rng(w.scenario.seed, "host-load/" + std::to_string(iommu));
  const double end = w.scenario.duration_ns * 1e-9;
  std::uint64_t k = 0;
  for (double next = rng.exponential(1.0 / load.per_ns) * 1e-9; next < end; next += rng.exponential(1.0 / load.per_ns) * 1e-9) {
    sg4::this_actor::sleep_until(next);
    ++w.running;
    sg4::Actor::create("host-inv/" + std::to_string(iommu) + "/" + std::to_string(k), sg4::this_actor::get_host(), [&w, iommu, k] {
      one_host_invalidation(w, iommu, k);
      --w.running;
    });
    ++k;
  }
}

}  // namespace svasim
