#pragma once
// The results of one run as a type: what `svasim run -o` writes and what every reader (tables, report,
// plots, compare, sweep tables, the resume check) reads. The JSON is written and read only here, so a
// field cannot be renamed on one side and silently read as 0 on the other: reading checks the format,
// its version and every field's presence and type, and names the file and the JSON Pointer of the first
// field that is wrong.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/stats.hpp"

namespace svasim {

inline constexpr const char* kResultsFormat = "svasim-results";
// 2: the scenario block names the queue model ("queue_model") and whether the environment is a guest
// ("guest"). 3: and the CPU TLB flush model ("arch_model"). A reader refuses other versions rather
// than guessing what a missing field meant.
// 8: unmap latency is the response time (from when each unmap was due) beside unmap_service; the
// offered load (unmaps_due, unmaps_not_started, unmap_threads) and the main latencies' histograms.
// 9: unmap_threads_behind (saturation told by the threads that fell behind).
inline constexpr int kResultsFormatVersion = 9;

// One histogram summary, the fields Histogram::to_json writes.
struct LatencySummary {
  std::uint64_t count = 0;
  double mean_ns = 0;
  std::uint64_t min_ns = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
};

// A distribution for plotting (Histogram::buckets): bucket i holds count[i] samples in [lo_ns[i], hi_ns[i]].
struct HistogramBuckets {
  std::vector<std::uint64_t> lo_ns, hi_ns, count;
};

struct TimelinePoint {
  double t_us = 0, mean = 0;
};

struct RunProvenance {
  std::string svasim_version, commit, scenario_file, scenario_hash;
  std::string workload_hash;  // Scenario::workload_hash: equal for runs of one workload under any profile
  std::uint64_t seed = 0;
  std::vector<std::string> simgrid_args;  // SimGrid flags of the run; the key is absent when there were none
};

struct RunScenario {
  std::string name, profile, domain_model, flush_model, queue_model, environment;
  std::uint64_t iommus = 0, devices = 0;
  double duration_ns = 0, simulated_ns = 0;
  bool guest = false;  // the environment traps tail writes (a vIOMMU): VM exits apply to this run
  std::string arch_model;  // the CPU TLB flush path that told the notifier (models/mm)
  std::string platform;    // the platform preset ("" when the parameters' defaults were used)
  double warmup_ns = 0;    // DMA statistics count requests due from then on
};

// The "counters" block: the queue and translation counters in total plus the run-wide ones.
struct RunCounters {
  QueueCounters queue;
  TranslationCounters translation;
  std::uint64_t unmaps = 0, unmaps_started_late = 0, ats_inv_requests = 0;
  // The offered load: open-loop unmaps due before the end, those never started, and the threads; the
  // threads that fell behind (ended with a backlog that had not emptied for the last quarter of the run).
  std::uint64_t unmaps_due = 0, unmaps_not_started = 0, unmap_threads = 0, unmap_threads_behind = 0;
  std::uint64_t binds = 0, unbinds = 0, domains_allocated = 0, domains_freed = 0, mm_releases = 0;
  std::uint64_t max_live_domains = 0, max_live_pasids = 0, flushes_of_freed_domains = 0;
  std::uint64_t page_request_overflows = 0, prq_drain_retries = 0;
  double domain_free_wait_ns = 0;
  double vcpu_steal_ns = 0;
  std::uint64_t vm_halt_exits = 0;
};

// unmap is the response time, from when each unmap was due; unmap_service from when its thread began it.
struct RunLatency {
  LatencySummary unmap_service;
  LatencySummary unmap, submission, queue_lock_wait, domain_lock_wait, dma, translation, page_fault, bind, unbind,
      sva_lock_wait, release;
  LatencySummary dma_service;  // DMA from when the device took the request up (dma: from when it was due)
};

struct DeviceResults {
  std::string iommu;
  bool ats = false;
  std::uint64_t ats_inv_requests = 0;
  LatencySummary ats_inv_latency;
  TranslationCounters counters;
  LatencySummary dma_latency, translation_latency, page_fault_latency;
  double throughput_bytes_per_s = 0;
  LatencySummary dma_service_latency;
};

// One DMA engine: a workload.dma stream on one device (its own ring). Latency from when each request
// was due; service latency from when the device took it up.
struct FlowResults {
  std::uint64_t stream = 0;
  std::string device;
  std::uint64_t requests = 0, completed = 0, errors = 0, bytes = 0;
  double throughput_bytes_per_s = 0;
  LatencySummary latency, service_latency;
};

struct RunTimelines {
  std::vector<TimelinePoint> live_domains, live_pasids;
};

struct RunResults {
  RunProvenance provenance;
  RunScenario scenario;
  std::map<std::string, double> params;
  RunCounters counters;
  RunLatency latency;
  std::map<std::string, QueueCounters> per_iommu;   // by IOMMU name
  std::map<std::string, DeviceResults> per_device;  // by device name
  std::vector<FlowResults> per_flow;                // in stream order, then device order
  RunTimelines timelines;
  // The main latencies' distributions by name: unmap, unmap_service, submission, dma, dma_service.
  std::map<std::string, HistogramBuckets> histograms;

  nlohmann::json to_json() const;
  // Throws InputError(JSON Pointer of the offending field, "FILE: POINTER: message"): the message is
  // the whole line a command prints after "svasim: error: ". `at` prefixes the pointers when the
  // results are nested in a larger document (a results.jsonl line: "/results").
  static RunResults from_json(const nlohmann::json& j, const std::string& file, const std::string& at = "");

  // Whether a metric applies to this run, so tables leave its cell empty instead of showing a 0 that
  // was never measured.
  bool has_dma() const { return counters.translation.dma_requests > 0; }
  bool in_guest() const { return scenario.guest; }
  double rate_per_ms(std::uint64_t n) const {
    return scenario.duration_ns > 0 ? static_cast<double>(n) / (scenario.duration_ns * 1e-6) : 0.0;
  }
  // total / unmaps, 0 when there were no unmaps.
  double per_unmap(double total) const {
    return counters.unmaps > 0 ? total / static_cast<double>(counters.unmaps) : 0.0;
  }
  // Unmaps per simulated millisecond over the run's duration: due (offered) and begun (achieved).
  double offered_unmaps_per_ms() const { return rate_per_ms(counters.unmaps_due); }
  double achieved_unmaps_per_ms() const { return rate_per_ms(counters.unmaps); }
  // Some unmap thread could not keep up: it ended with due unmaps never begun, by a backlog that had not
  // emptied for the last quarter of the run or more, over ten arrivals or more. A stable queue, however loaded, empties now and then
  // (its idle time is the capacity it has to spare); one that stops doing so is falling behind, and the
  // latency quantiles grow with the run's duration: they describe the run, not the system.
  bool saturated() const { return counters.unmap_threads_behind > 0; }
  // The profile, or domain+flush model when the run named none.
  std::string label() const;
};

// One number of a run for the tables: metric ("iotlb_invalidations", "unmap_latency"), statistic
// ("total", "per_unmap", "p99_ns", ...) and whether it applies to the run (DMA counters without DMA, VM
// exits on bare metal, quantiles of an empty histogram do not: their cell is empty, their long row absent).
struct RunMetric {
  std::string metric, statistic;
  double value = 0;
  bool applies = true;
  // The wide table's column: the metric for a total, else metric_statistic ("unmap_latency_p99_ns").
  std::string column() const { return statistic == "total" ? metric : metric + "_" + statistic; }
};

// Every counter and latency summary of the run, walked from the same field lists as the JSON (a field
// added there is a column here), then the derived load figures: unmaps_offered_per_ms,
// unmaps_achieved_per_ms, saturated (0 or 1), queue_occupancy_mean. The same names and order for any run.
std::vector<RunMetric> metrics_of(const RunResults& r);
// One device's counters, latencies and throughput; one IOMMU's queue counters.
std::vector<RunMetric> metrics_of(const DeviceResults& d);
std::vector<RunMetric> metrics_of(const QueueCounters& q, bool guest);

// Reads and checks a results file; a file that cannot be read or is not JSON is an InputError too
// ("FILE: (document): not JSON: ...").
RunResults read_results_file(const std::string& file);

// The typed form of what Histogram::to_json and Timeline::to_json write (read back from them, so the
// quantiles are listed once, in the histogram).
LatencySummary summary_of(const Histogram& h);
std::vector<TimelinePoint> points_of(const Timeline& t);
HistogramBuckets buckets_of(const Histogram& h);

// Whether quantile q of `count` samples rests on fewer than ten samples above it (p99 of fewer than
// 1,000): a table marks it, since it is then close to the maximum of a few samples.
inline bool few_samples_for(double q, std::uint64_t count) { return static_cast<double>(count) * (1.0 - q) < 10.0; }

// The InputError every results reader throws: JSON Pointer `path`, message "FILE: PATH: message"
// ("(document)" for the root), so commands print e.what() as is.
[[noreturn]] void throw_results_error(const std::string& file, const std::string& path, const std::string& message);

}  // namespace svasim
