// The host kernel's own invalidations on each physical queue (vm.host_inv_per_ms): a host CPU thread
// submitting one IOTLB invalidation and its wait at Poisson times, through the same driver discipline
// as the host's submissions for the guest. Its scope is an address space no guest or device uses, so it
// changes no cache the run measures; it is counted in host_submissions, not in the guest's latencies.
#include <simgrid/s4u.hpp>

#include "engine/world.hpp"
#include "models/vm/host_load.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

void host_invalidations(World& w, int iommu) {
  const HostLoad load = HostLoad::from(w.scenario.params);
  RandomStream rng(w.scenario.seed, "host-load/" + std::to_string(iommu));
  sg4::Mailbox* reply = sg4::Mailbox::by_name("host-load-status/" + std::to_string(iommu));
  reply->set_receiver(sg4::Actor::self());
  const Submission sub{iommu, {host_iotlb_invalidation(w.scenario.queue_model)}, true};
  const double end = w.scenario.duration_ns * 1e-9;
  constexpr int kHostScope = 0xffff;  // a process and domain id nothing else uses
  for (double next = rng.exponential(1.0 / load.per_ns) * 1e-9; next < end; next += rng.exponential(1.0 / load.per_ns) * 1e-9) {
    if (sg4::Engine::get_clock() < next) sg4::this_actor::sleep_until(next);
    if (sg4::Engine::get_clock() >= end) break;
    QueueEntry entry{&sub, reply, kHostScope, kHostScope};
    entry.what = "host";
    ++w.stats.per_iommu[iommu].host_submissions;
    w.host_submit(entry);
  }
  reply->set_receiver(nullptr);
}

}  // namespace svasim
