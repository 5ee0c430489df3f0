// A device's DMA engine: requests into the process's memory, each translated inline page by page (ATC,
// then an ATS translation request to the IOMMU's IOTLB and page walker), faulted in through PRI when a
// page is not present, and moved over the device's PCIe route as one SimGrid transfer. A request costs
// one transfer plus at most one timed wait; translations never cost a SimGrid activity.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <limits>
#include <mutex>

#include "engine/world.hpp"
#include "models/workload/access_pattern.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_dma, "svasim: device DMA engines");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEpsilon = kTimeEpsilon;  // closer than SimGrid's precision counts as "now"

double now() { return sg4::Engine::get_clock(); }

struct Request {
  InflightDma info;
  PageRequest page_request;
  double issued = 0;
  double ready_at = 0;  // translation (and, for reads, the request's trip to memory) done
  double translated = 0;
  bool read = true;
  bool active = false;
  bool waiting_fault = false;
  bool error = false;  // completes with an error at ready_at, moving no data
  sg4::CommPtr transfer;
};

class DmaEngine {
public:
  DmaEngine(World& w, int stream, int device)
      : w_(w),
        st_(w.scenario.dma[stream]),
        device_(device),
        dev_(w.devices[device]),
        mm_(w.mms[st_.process]),
        iommu_(w.iommus[w.scenario.topology.iommu_of_device(device)]),
        stats_(w.stats.per_device[device]),
        caps_(w.scenario.topology.node(w.scenario.topology.devices()[device]).caps),
        rng_(w.scenario.seed, "dma/" + std::to_string(stream) + "/" + w.scenario.topology.node(w.scenario.topology.devices()[device]).name),
        pasid_(static_cast<std::uint32_t>(st_.process)),
        dev_host_(w.platform.devices[device]),
        mem_host_(w.platform.iommus[w.scenario.topology.iommu_of_device(device)]),
        read_source_(w.platform.device_memory[device]) {
    const Topology& topo = w.scenario.topology;
    const NodeId dn = topo.devices()[device], in = topo.iommus()[topo.iommu_of_device(device)];
    ats_round_trip_ = route_time_ns(topo, dn, in, static_cast<double>(w.timing.ats_msg_bytes)) * 2e-9;
    PatternSpec spec;
    spec.kind = st_.pattern.kind;
    spec.working_set_bytes = st_.pattern.working_set_bytes;
    spec.request_bytes = st_.request_bytes;
    spec.zipf_s = st_.pattern.zipf_s;
    spec.window_bytes = st_.pattern.window_bytes;
    spec.window_step_bytes = st_.pattern.window_step_bytes;
    spec.window_step_requests = st_.pattern.window_step_requests;
    pattern_ = make_access_pattern(spec);
    const int slots = st_.rate_per_ns > 0 ? w.timing.dma_max_outstanding : st_.queue_depth;
    slots_.resize(static_cast<std::size_t>(slots));
    for (int i = slots - 1; i >= 0; --i) free_.push_back(i);
    responses_ = sg4::Mailbox::by_name(topo.node(dn).name + "/page-responses/" + std::to_string(stream));
    next_arrival_ = st_.start_ns * 1e-9;
    // Poisson arrivals: the first one too comes after a random gap.
    if (st_.rate_per_ns > 0) next_arrival_ += rng_.exponential(1.0 / st_.rate_per_ns) * 1e-9;
  }

  void run() {
    responses_->set_receiver(sg4::Actor::self());
    PageRequest* answered = nullptr;
    sg4::CommPtr response = responses_->get_async<PageRequest>(&answered);
    if (next_arrival_ > now()) w_.sleep(next_arrival_ - now());
    std::vector<sg4::CommPtr> waiting;
    std::vector<int> slot_of;
    for (;;) {
      admit();
      const double wake = launch_ready();
      if (active_ == 0 && !more()) break;
      waiting.assign(1, response);
      slot_of.assign(1, -1);
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].active && slots_[i].transfer) {
          waiting.push_back(slots_[i].transfer);
          slot_of.push_back(static_cast<int>(i));
        }
      const double timeout = wake - now();
      if (timeout <= kEpsilon) continue;
      const ssize_t idx = timeout == kInf ? sg4::Comm::wait_any(waiting) : sg4::Comm::wait_any_for(waiting, timeout);
      if (idx < 0) continue;  // a translation finished or a request arrived
      if (idx == 0) {
        fault_resolved(*answered);
        response = responses_->get_async<PageRequest>(&answered);
      } else {
        complete(slots_[static_cast<std::size_t>(slot_of[static_cast<std::size_t>(idx)])]);
      }
    }
    response->cancel();
    responses_->set_receiver(nullptr);
  }

private:
  // No request starts after the scenario's duration or the process's exit (open loop: arrives; closed
  // loop: is issued).
  bool more() const {
    const double next = st_.rate_per_ns > 0 ? next_arrival_ : now();
    return next < w_.scenario.processes[st_.process].end_ns(w_.scenario.duration_ns) * 1e-9 && (st_.count < 0 || issued_ < st_.count) &&
           caps_.present_at(now() * 1e9);  // a removed device issues nothing more
  }

  // Closed loop: keep queue_depth requests in flight. Open loop: Poisson arrivals, queued when every
  // slot is busy (they start when one frees, their latency counting from arrival).
  void admit() {
    while (!free_.empty() && more() && (st_.rate_per_ns == 0 || next_arrival_ <= now() + kEpsilon)) {
      Request& r = slots_[static_cast<std::size_t>(free_.back())];
      free_.pop_back();
      r = Request{};
      r.active = true;
      r.issued = st_.rate_per_ns > 0 ? next_arrival_ : now();
      r.read = st_.read_fraction >= 1.0 || rng_.uniform01() < st_.read_fraction;
      const std::uint64_t addr = st_.pattern.offset_bytes + pattern_->next(rng_);
      r.info.start = addr;
      r.info.end = addr + st_.request_bytes;
      r.info.pasid = pasid_;
      dev_.inflight.push_back(&r.info);
      ++active_;
      ++issued_;
      ++stats_.dma.dma_requests;
      if (stats_.first_issue_ns < 0) stats_.first_issue_ns = r.issued * 1e9;
      if (st_.rate_per_ns > 0) next_arrival_ += rng_.exponential(1.0 / st_.rate_per_ns) * 1e-9;
      translate(r);
    }
  }

  // Every page of the request, inline: ATC (ATS devices), else or on a miss the IOMMU. Misses of one
  // request go to the IOMMU together: one ATS round trip plus the walks, serialised at the walker.
  void translate(Request& r) {
    TranslationCounters& c = stats_.dma;
    const unsigned shift = mm_.page_shift;
    // The device's current domain tags its IOTLB entries; a device no longer bound has no PASID entry.
    const int domain = mm_.device_domain[static_cast<std::size_t>(device_)];
    if (domain < 0) {
      fail(r, ats_round_trip_);
      return;
    }
    const std::uint32_t scope = iotlb_scope(st_.process, domain);
    const std::uint64_t size = 1ULL << shift;
    bool atc_missed = false;
    double iommu_time = 0;
    for (std::uint64_t page = r.info.start & ~(size - 1); page < r.info.end; page += size) {
      ++c.page_translations;
      if (dev_.atc) {
        if (dev_.atc->lookup(pasid_, page, shift) >= 0) {
          ++c.atc_hits;
          continue;
        }
        ++c.atc_misses;
        atc_missed = true;
      }
      const Translation t = iommu_.walker->translate(scope, page, shift, mm_.is_present(page));
      if (t.iotlb_hit) {
        ++c.iotlb_hits;
      } else {
        ++c.iotlb_misses;
        ++c.page_walks;
        c.walk_memory_reads += t.memory_reads;
        for (int l = 0; l < 3; ++l) {
          c.pwc_hits[l] += (t.pwc_hits >> l) & 1u;
          c.pwc_misses[l] += (t.pwc_misses >> l) & 1u;
        }
        iommu_time += w_.timing.iotlb_miss + t.memory_reads * w_.timing.walk_read;
      }
      if (!t.present) {
        fault(r, page, (atc_missed ? ats_round_trip_ : 0) + iommu_time);
        return;
      }
      if (dev_.atc) dev_.atc->insert(pasid_, page, shift);
    }
    r.info.used_atc = dev_.atc != nullptr;
    r.info.retranslate = false;
    r.translated = now() + (atc_missed ? ats_round_trip_ : 0) + iommu_time;
    r.ready_at = r.translated;  // a read's trip to memory is the first leg of its transfer
  }

  // A page that is not present: PRI devices ask the IOMMU for it (one request per page in flight);
  // others get an error completion, as a DMA remapping fault.
  void fault(Request& r, std::uint64_t page, double translation_time) {
    if (!caps_.pri) {
      fail(r, translation_time);
      return;
    }
    r.waiting_fault = true;
    r.page_request = {responses_, device_, pasid_, page, now() + translation_time};
    for (const Request& other : slots_)
      if (&other != &r && other.active && other.waiting_fault && other.page_request.addr == page) return;
    ++stats_.dma.page_faults;
    if (iommu_.prq_total >= iommu_.prq_capacity) {
      // The page-request queue is full: the IOMMU sets its overflow bit and answers with a failure.
      iommu_.prq_overflowed = true;
      ++w_.stats.page_request_overflows;
      for (Request& other : slots_)
        if (other.active && other.waiting_fault && other.page_request.addr == page) {
          other.waiting_fault = false;
          fail(other, translation_time + ats_round_trip_);
        }
      return;
    }
    ++iommu_.prq_total;
    r.page_request.seq = ++iommu_.prq_seq;
    iommu_.prq_outstanding[r.page_request.seq] = {pasid_, device_};
    w_.send(iommu_.prq, &r.page_request, w_.timing.ats_msg_bytes);
  }

  // The request ends in an error once its translation attempt is answered; the slot stays busy until
  // then (at least a nanosecond), so a device hammering an unmapped page cannot spin at one instant.
  void fail(Request& r, double after) {
    r.error = true;
    r.info.retranslate = false;
    r.translated = now() + std::max(after, 1e-9);
    r.ready_at = r.translated;
  }

  void fault_resolved(const PageRequest& answer) {
    stats_.page_fault_latency.record(static_cast<std::uint64_t>((now() - answer.sent) * 1e9 + 0.5));
    const std::uint64_t page = answer.addr;
    // Release every waiter first: a retry that faults again must see no stale waiter on this page, or it
    // would count on a page request nobody sends.
    std::vector<Request*> retry;
    for (Request& r : slots_)
      if (r.active && r.waiting_fault && r.page_request.addr == page) {
        r.waiting_fault = false;
        retry.push_back(&r);
      }
    for (Request* r : retry) translate(*r);  // the retry: a fresh ATS translation request
  }

  // Starts the transfers whose translation is done; returns when the next one will be.
  double launch_ready() {
    double wake = st_.rate_per_ns > 0 && more() && !free_.empty() ? next_arrival_ : kInf;
    for (Request& r : slots_) {
      if (!r.active || r.waiting_fault || r.transfer) continue;
      if (r.info.retranslate && !r.error && r.ready_at <= now() + kEpsilon) translate(r);  // invalidated meanwhile
      if (r.waiting_fault || !r.active) continue;
      if (r.ready_at > now() + kEpsilon) {
        wake = std::min(wake, r.ready_at);
        continue;
      }
      if (r.error) {
        ++stats_.dma.dma_errors;
        finish(r, now(), false);
        wake = now();  // a slot freed: admit again before waiting
        continue;
      }
      r.info.transferring = true;
      r.info.translated_at = r.translated;
      ++w_.stats.sim_activities;
      ++w_.stats.sim_comms;
      r.transfer = r.read ? sg4::Comm::sendto_async(read_source_, dev_host_, st_.request_bytes)
                          : sg4::Comm::sendto_async(dev_host_, mem_host_, st_.request_bytes);
    }
    return wake;
  }

  void complete(Request& r) {
    r.transfer = nullptr;
    // A completion must never rest on a translation obtained before an invalidation reached the
    // device when that invalidation was answered (completed) before this completion.
    for (const AnsweredInvalidation& a : dev_.answered)
      if (r.info.used_atc && (a.all_pasids || a.pasid == r.info.pasid) && r.info.translated_at < a.arrived - kEpsilon &&
          a.answered < now() - kEpsilon && (a.whole || (a.start < r.info.end && r.info.start < a.end)))
        ++stats_.dma.stale_translation_uses;
    ++stats_.dma.dma_completed;
    stats_.dma.dma_bytes += st_.request_bytes;
    finish(r, now(), true);
  }

  void finish(Request& r, double completed, bool ok) {
    if (ok) {
      stats_.dma_latency.record(static_cast<std::uint64_t>((completed - r.issued) * 1e9 + 0.5));
      stats_.translation_latency.record(static_cast<std::uint64_t>((r.translated - r.issued) * 1e9 + 0.5));
      stats_.last_completion_ns = std::max(stats_.last_completion_ns, completed * 1e9);
    }
    auto it = std::find(dev_.inflight.begin(), dev_.inflight.end(), &r.info);
    if (it != dev_.inflight.end()) dev_.inflight.erase(it);
    if (dev_.invalidations_waiting > 0) dev_.dma_finished->notify_all();
    r.active = false;
    --active_;
    free_.push_back(static_cast<int>(&r - slots_.data()));
  }

  World& w_;
  const DmaStream& st_;
  int device_;
  DeviceState& dev_;
  MmState& mm_;
  IommuState& iommu_;
  DeviceStats& stats_;
  const DeviceCaps& caps_;
  RandomStream rng_;
  std::uint32_t pasid_;
  sg4::Host* dev_host_;
  sg4::Host* mem_host_;     // where writes land
  sg4::Host* read_source_;  // where reads come from (see Platform::device_memory)
  double ats_round_trip_ = 0;
  std::unique_ptr<AccessPattern> pattern_;
  std::vector<Request> slots_;
  std::vector<int> free_;
  sg4::Mailbox* responses_ = nullptr;
  double next_arrival_ = 0;
  std::int64_t issued_ = 0;
  int active_ = 0;
};

}  // namespace

void dma_engine(World& w, int stream_index, int device) {
  DmaEngine engine(w, stream_index, device);
  engine.run();
}

}  // namespace svasim
