#include "engine/stats.hpp"

namespace svasim {

void QueueCounters::add(const QueueCounters& o) {
  submissions += o.submissions;
  descriptors += o.descriptors;
  iotlb_invalidations += o.iotlb_invalidations;
  devtlb_invalidations += o.devtlb_invalidations;
  invalidation_waits += o.invalidation_waits;
  queue_lock_wait_ns += o.queue_lock_wait_ns;
}

}  // namespace svasim
