#pragma once
// What a run measures. Counters and fixed-size histograms only: memory does not grow with simulated time.
#include <cstdint>
#include <string>
#include <vector>

#include "core/histogram.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace svasim {

struct QueueCounters {
  std::uint64_t submissions = 0;          // qi_submit_sync calls / cmdq issues / AMD command groups
  std::uint64_t descriptors = 0;          // invalidation descriptors, waits excluded
  std::uint64_t iotlb_invalidations = 0;  // PIOTLB / TLBI / INVALIDATE_IOMMU_PAGES
  std::uint64_t devtlb_invalidations = 0; // devTLB / ATC_INV / INVALIDATE_IOTLB_PAGES
  std::uint64_t invalidation_waits = 0;   // wait descriptors / CMD_SYNCs / COMPLETION_WAITs
  double queue_lock_wait_ns = 0;          // time CPUs spent waiting for the queue lock
  std::uint64_t ats_inv_timeouts = 0;     // ITE / CMD_SYNC / completion-wait time-outs
  std::uint64_t resubmissions = 0;        // submissions the driver retried after a time-out
  std::uint64_t invalidations_failed = 0; // given up: device gone (-ETIMEDOUT), or no retry in the driver
  std::uint64_t invalidations_abandoned = 0; // still being retried when the run ended (the CPU spins on)
  std::uint64_t ring_full_waits = 0;      // submissions that waited for free ring slots
  double ring_wait_ns = 0;                // time spent waiting for them
  std::uint64_t vm_exits = 0;             // guest tail writes trapped to the VMM
  // Tail-register (SMMUv3 PROD) writes to the IOMMU's physical queue: one per VT-d submission, one per
  // command on AMD, one per SMMUv3 owner for all it gathered. A guest's own tail writes are its vm_exits.
  std::uint64_t tail_writes = 0;
  double vm_exit_ns = 0;                  // time the vCPUs spent in those exits (incl. waiting for the VMM)
  // vm_exit_ns in parts: the exit itself (hardware exit and entry, KVM, the return to the VMM), waiting for
  // the VMM's global lock (another vCPU's exit in it), the VMM's emulation of the descriptors, and the
  // host's part (nested: iommufd calls and the physical submissions; of it, waiting for their waits).
  double vm_exit_path_ns = 0;
  double vm_exit_vmm_wait_ns = 0;
  double vm_emulation_ns = 0;
  double vm_exit_host_ns = 0;
  double vm_exit_host_wait_ns = 0;
  std::uint64_t vm_host_submissions = 0;  // physical submissions the host made for the guest's exits
  std::uint64_t host_submissions = 0;     // the host's own (vm.host_inv_per_ms), sharing the physical queue
  // On vCPUs sharing host CPUs (vm.host_cpus): time the guest's submissions were runnable but not running
  // (steal time, inside the parts above), and paravirtual spinlock halts (HLT exits) on the queue's lock.
  double submission_steal_ns = 0;
  std::uint64_t submission_halt_exits = 0;
  // The physical queue's occupancy: submissions in its ring, integrated over time (entries x ns; divided
  // by the run's time, the mean), and the most at once.
  double queue_occupancy_ns = 0;
  std::uint64_t queue_occupancy_max = 0;
  void add(const QueueCounters& o);
};

// The translation path's counters, per device and in total.
struct TranslationCounters {
  std::uint64_t page_translations = 0;  // pages translated (ATC lookups, or IOMMU lookups for non-ATS)
  std::uint64_t atc_hits = 0, atc_misses = 0;
  std::uint64_t iotlb_hits = 0, iotlb_misses = 0;
  std::uint64_t page_walks = 0, walk_memory_reads = 0;
  double walk_wait_ns = 0;  // walks waiting for one of the IOMMU's walkers (iommu.walkers)
  // Nested translation: reads the second stage added to walks, and its leaf-cache lookups and misses.
  std::uint64_t s2_walk_reads = 0, s2_lookups = 0, s2_misses = 0;
  // Paging-structure cache lookups per level, [0] PML4E, [1] PDPTE, [2] PDE: a walk looks the levels up
  // deepest first and stops at the first hit.
  std::uint64_t pwc_hits[3] = {}, pwc_misses[3] = {};
  std::uint64_t page_faults = 0;
  std::uint64_t dma_requests = 0, dma_completed = 0, dma_errors = 0, dma_bytes = 0;
  std::uint64_t stale_translation_uses = 0;  // must stay 0: a DMA completed on an invalidated translation
  void add(const TranslationCounters& o);
};

struct DeviceStats {
  std::uint64_t ats_inv_requests = 0;
  Histogram ats_inv_latency;  // IOMMU sends the request -> completion back at the IOMMU
  TranslationCounters dma;
  Histogram dma_latency, translation_latency, page_fault_latency;
  Histogram dma_service_latency;  // from when the device took the request up (dma_latency: from when it was due)
  double first_issue_ns = -1, last_completion_ns = 0;
  // Bytes of the requests that completed after the warm-up, whenever they were due: the throughput's
  // numerator (a request in flight across the warm-up's end used the link after it too).
  std::uint64_t window_bytes = 0;
};

// One DMA engine: a workload.dma stream on one of its devices (a ring of its own). Requests due during
// the warm-up are not counted.
struct FlowStats {
  int stream = 0, device = 0;
  std::uint64_t requests = 0, completed = 0, errors = 0, bytes = 0;
  Histogram latency, service_latency;
  double first_issue_ns = -1, last_completion_ns = 0;
  std::uint64_t window_bytes = 0;  // as DeviceStats::window_bytes
};

// A quantity over simulated time in a fixed number of buckets (bounded memory whatever the duration):
// each bucket holds the time-weighted mean of the value over its span.
class Timeline {
public:
  static constexpr std::size_t kBuckets = 64;
  void start(double end_ns) { span_ = end_ns > 0 ? end_ns / kBuckets : 1; }
  void set(double t_ns, double value);  // the value changes at t_ns (non-decreasing)
  void finish(double t_ns) { set(t_ns, value_); }
  nlohmann::json to_json() const;       // [{"t_us": bucket start, "mean": m}, ...]

private:
  std::array<double, kBuckets> area_{};
  double span_ = 1, last_ = 0, value_ = 0;
};

struct Stats {
  std::uint64_t unmaps = 0;
  std::uint64_t unmaps_started_late = 0;  // arrived while the thread was still busy with the previous one
  // Open-loop arrivals due before the end (the offered load) and those of them never started: the
  // thread was still busy with earlier ones when the run (or its process) ended. A saturated point has
  // many; their latency is not in unmap_latency, only their count here.
  std::uint64_t unmaps_due = 0, unmaps_not_started = 0;
  std::uint64_t unmap_threads = 0;  // CPU threads unmapping (the workload's streams times their threads)
  // Threads that ended with due unmaps never begun, by a backlog that had not emptied for the last quarter
  // of their arrivals' window or more, over ten arrivals or more: they fell behind (RunResults::saturated()).
  std::uint64_t unmap_threads_behind = 0;
  // A guest's vCPUs sharing host CPUs (vm.host_cpus): time runnable without a CPU (steal time), and
  // paravirtual spinlock halts (HLT exits), over the whole run (the queue counters' submission_* parts are
  // those during the guest's submissions).
  double vcpu_steal_ns = 0;
  std::uint64_t vm_halt_exits = 0;
  QueueCounters total;
  std::vector<QueueCounters> per_iommu;
  std::vector<DeviceStats> per_device;
  // Per unmap, from when it was due (its arrival: the response time, queueing behind the thread's
  // earlier unmaps included) to the last wait observed; and from when the thread began it (the service).
  Histogram unmap_latency, unmap_service_latency;
  Histogram submission_latency; // one submission: before the lock -> wait observed
  Histogram queue_lock_wait; // per acquisition
  Histogram domain_lock_wait; // per flush that takes the domain's lock (cache_lock / sva_pdom->lock)
  TranslationCounters dma;   // totals over devices
  std::vector<FlowStats> flows;  // in stream order, then device order
  FlowStats& flow(int stream, int device);  // one flow_slot() made before the run
  void flow_slot(int stream, int device) {
    flows.emplace_back();
    flows.back().stream = stream;
    flows.back().device = device;
  }
  Histogram dma_latency;     // request due -> data complete
  Histogram dma_service_latency;  // request taken up by the device -> data complete
  Histogram translation_latency; // request issued -> translation available (faults included)
  Histogram page_fault_latency;  // page request sent -> page response received
  Histogram bind_latency, unbind_latency;
  Histogram sva_lock_wait;  // per bind/unbind: waiting for the global iommu_sva_lock
  Histogram release_latency;  // per process exit: the mm release of all its SVA domains
  std::uint64_t binds = 0, unbinds = 0, domains_allocated = 0, domains_freed = 0, mm_releases = 0;
  std::uint64_t max_live_domains = 0, max_live_pasids = 0;
  Timeline live_domains, live_pasids;
  std::uint64_t page_request_overflows = 0;  // page requests that found the PRQ full (they fail)
  std::uint64_t prq_drain_retries = 0;       // unbind drains repeated because the PRQ had overflowed
  std::uint64_t flushes_of_freed_domains = 0;  // must stay 0: a flush submitted for a domain already freed
  double domain_free_wait_ns = 0;              // unbinds waiting for running flushes (grace period)
  double simulated_ns = 0;   // clock at the end of the run
  bool guest = false;        // the environment model traps tail writes (VM exits apply)
  std::uint64_t sim_activities = 0; // SimGrid activities started (comms + sleeps), for the bench
  std::uint64_t sim_comms = 0;      // of which communications
};

}  // namespace svasim
