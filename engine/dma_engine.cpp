// A device's DMA engine: requests into the process's memory, each translated page by page (ATC, then an
// ATS Translation Request to the IOMMU's IOTLB and page walker), faulted in through PRI when a page is
// not present, and carried over the PCIe fabric as TLP trains (engine/pcie_fabric.hpp): read requests
// up, the memory access, completions down; or posted writes up and into memory. The links, the memory
// and the walker are FIFO servers booked in arithmetic; SimGrid wakes the engine only when a request
// changes stage (translated, data at the root complex, done), so a request costs at most three timed
// waits and never a SimGrid transfer.
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

// Where a request is: its next stage starts at ready_at.
enum class Stage {
  translate,  // the device has its translation at ready_at and sends the request then
  deliver,    // a read's data is at the root complex at ready_at; its completions go down then
  done,       // the last byte has arrived (read) or been written (write) at ready_at
};

struct Request {
  InflightDma info;
  PageRequest page_request;
  double issued = 0;    // when it was due: its arrival (open loop) or its issue (closed loop)
  double started = 0;   // when the device took it up (a free slot)
  double ready_at = 0;
  double translated = 0;
  Stage stage = Stage::translate;
  bool read = true;
  bool measured = true;  // due after the warm-up: counts in the statistics
  bool active = false;
  bool waiting_fault = false;
  bool request_unsent = false;  // its Page Request leaves at page_request.sent (the walk that found the page missing ends then)
  bool error = false;  // completes with an error at ready_at, moving no data
};

// Simulated seconds as the integer picoseconds a translation cache entry stores as its stamp: when the
// entry's translation is there (a walk or a Translation Completion still on its way fills it then).
std::int64_t to_stamp(double t) { return static_cast<std::int64_t>(t * 1e12 + 0.5); }
double from_stamp(std::int64_t s) { return static_cast<double>(s) * 1e-12; }

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
        flow_(w.stats.flow(stream, device)),
        caps_(w.scenario.topology.node(w.scenario.topology.devices()[device]).caps),
        rng_(w.scenario.seed, "dma/" + std::to_string(stream) + "/" + w.scenario.topology.node(w.scenario.topology.devices()[device]).name),
        pasid_(static_cast<std::uint32_t>(st_.process)) {
    const Topology& topo = w.scenario.topology;
    const NodeId dn = topo.devices()[device];
    ats_round_trip_ = route_time_ns(topo, dn, topo.iommus()[topo.iommu_of_device(device)], static_cast<double>(w.timing.ats_msg_bytes)) * 2e-9;
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
    for (;;) {
      admit();
      const double wake = advance();
      if (active_ == 0 && !more()) break;
      const double timeout = wake - now();
      if (timeout <= kEpsilon) continue;
      // The only message is a page response; everything else is a time this engine computed.
      ++w_.stats.sim_activities;
      waiting.assign(1, response);
      const ssize_t idx = timeout == kInf ? sg4::Comm::wait_any(waiting) : sg4::Comm::wait_any_for(waiting, timeout);
      if (idx == 0) {
        fault_resolved(*answered);
        response = responses_->get_async<PageRequest>(&answered);
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

  // The counters a request adds to: the device's, or none while the run warms up.
  TranslationCounters& counters(const Request& r) { return r.measured ? stats_.dma : warmup_counters_; }

  // Closed loop: keep queue_depth requests in flight. Open loop: Poisson arrivals, queued when every
  // slot is busy (they start when one frees, their latency counting from arrival).
  void admit() {
    while (!free_.empty() && more() && (st_.rate_per_ns == 0 || next_arrival_ <= now() + kEpsilon)) {
      Request& r = slots_[static_cast<std::size_t>(free_.back())];
      free_.pop_back();
      r = Request{};
      r.active = true;
      r.issued = st_.rate_per_ns > 0 ? next_arrival_ : now();
      r.started = now();
      r.measured = r.issued * 1e9 >= w_.scenario.warmup_ns - 1e-3;
      r.read = st_.read_fraction >= 1.0 || rng_.uniform01() < st_.read_fraction;
      const std::uint64_t addr = st_.pattern.offset_bytes + pattern_->next(rng_);
      r.info.start = addr;
      r.info.end = addr + st_.request_bytes;
      r.info.pasid = pasid_;
      dev_.inflight.push_back(&r.info);
      ++active_;
      ++issued_;
      if (r.measured) {
        ++stats_.dma.dma_requests;
        ++flow_.requests;
        if (stats_.first_issue_ns < 0) stats_.first_issue_ns = r.issued * 1e9;
        if (flow_.first_issue_ns < 0) flow_.first_issue_ns = r.issued * 1e9;
      }
      if (st_.rate_per_ns > 0) next_arrival_ += rng_.exponential(1.0 / st_.rate_per_ns) * 1e-9;
      translate(r);
    }
  }

  // The IOMMU translates `page` for a request arriving at the root complex at `arrival`: an IOTLB hit
  // (its entry may still be filling from another walk, which this one then waits for), or a walk that
  // waits for one of the IOMMU's walkers, then reads the levels the paging-structure caches do not
  // hold, each read queueing at the memory. Returns when the translation is known.
  double iommu_translate(TranslationCounters& c, std::uint32_t scope, std::uint64_t page, double arrival, bool& present) {
    const unsigned shift = mm_.page_shift;
    const Translation t = iommu_.walker->translate(scope, page, shift, mm_.is_present(page));
    present = t.present;
    if (t.iotlb_hit) {
      ++c.iotlb_hits;
      return std::max(arrival, from_stamp(t.ready_stamp));
    }
    ++c.iotlb_misses;
    ++c.page_walks;
    c.walk_memory_reads += t.memory_reads;
    c.s2_walk_reads += t.s2_reads;
    c.s2_lookups += t.s2_lookups;
    c.s2_misses += t.s2_misses;
    for (int l = 0; l < 3; ++l) {
      c.pwc_hits[l] += (t.pwc_hits >> l) & 1u;
      c.pwc_misses[l] += (t.pwc_misses >> l) & 1u;
    }
    const double start = iommu_.walkers.start(arrival);
    c.walk_wait_ns += (start - arrival) * 1e9;
    double done = start + w_.timing.iotlb_miss;
    // Each read depends on the one before (it reads the entry the previous level pointed to).
    for (unsigned i = 0; i < t.memory_reads; ++i) done += w_.timing.walk_read + w_.memory.queueing(now(), done, 64);
    iommu_.walkers.finish(done);
    if (t.present) iommu_.walker->filled(scope, page, shift, to_stamp(done));
    return done;
  }

  // The request's translation. An ATS device looks its ATC up first; the pages it misses go to the
  // IOMMU together in one Translation Request, come back in one Translation Completion, and fill the
  // ATC when that arrives. A device without ATS sends untranslated requests: the IOMMU translates them
  // when they reach the root complex (issue()).
  void translate(Request& r) {
    TranslationCounters& c = counters(r);
    const unsigned shift = mm_.page_shift;
    r.info.retranslate = false;
    r.stage = Stage::translate;
    // The device's current domain tags its IOTLB entries; a device no longer bound has no PASID entry.
    const int domain = mm_.device_domain[static_cast<std::size_t>(device_)];
    if (domain < 0) {
      fail(r, ats_round_trip_);
      return;
    }
    r.info.used_atc = dev_.atc != nullptr;
    if (!dev_.atc) {
      r.translated = r.ready_at = now();
      return;
    }
    const std::uint32_t scope = iotlb_scope(st_.process, domain);
    const std::uint64_t size = 1ULL << shift;
    double ready = now();
    unsigned missed = 0;
    double at_iommu = 0, iommu_done = 0;
    for (std::uint64_t page = r.info.start & ~(size - 1); page < r.info.end; page += size) {
      ++c.page_translations;
      const std::int64_t stamp = dev_.atc->lookup(pasid_, page, shift);
      if (stamp >= 0) {
        ++c.atc_hits;
        ready = std::max(ready, from_stamp(stamp));  // a completion still on its way: wait for it
        continue;
      }
      ++c.atc_misses;
      if (missed++ == 0) {
        at_iommu = w_.fabric.send(device_, Direction::upstream, now(), now(), ats_translation_request(w_.fabric.tlp()), false);
        iommu_done = at_iommu;
      }
      bool present = true;
      const double known = iommu_translate(c, scope, page, at_iommu, present);
      if (!present) {
        fault(r, page, known - now());
        return;
      }
      iommu_done = std::max(iommu_done, known);
      missed_pages_.push_back(page);
    }
    if (missed > 0) {
      const double back = w_.fabric.send(device_, Direction::downstream, now(), iommu_done,
                                         ats_translation_completion(w_.fabric.tlp(), missed), false);
      for (std::uint64_t page : missed_pages_) dev_.atc->insert(pasid_, page, shift, to_stamp(back));
      ready = std::max(ready, back);
    }
    missed_pages_.clear();
    r.translated = r.ready_at = ready;
  }

  // The device sends the request (its translation in hand, or untranslated): read requests up, the
  // memory read at the root complex, the data back later (deliver()); or the posted write up and into
  // memory.
  void issue(Request& r) {
    r.info.transferring = true;
    r.info.translated_at = r.translated;
    const bool untranslated = !dev_.atc;
    const std::uint64_t bytes = st_.request_bytes;
    const TlpCosts& tlp = w_.fabric.tlp();
    const Packets up = r.read ? read_requests(tlp, bytes, untranslated) : writes(tlp, bytes, untranslated);
    double at_rc = w_.fabric.send(device_, Direction::upstream, now(), now(), up, true);
    if (untranslated) {
      TranslationCounters& c = counters(r);
      const int domain = mm_.device_domain[static_cast<std::size_t>(device_)];
      if (domain < 0) {
        fail(r, at_rc - now());
        return;
      }
      const std::uint32_t scope = iotlb_scope(st_.process, domain);
      const std::uint64_t size = 1ULL << mm_.page_shift;
      double known = at_rc;
      for (std::uint64_t page = r.info.start & ~(size - 1); page < r.info.end; page += size) {
        ++c.page_translations;
        bool present = true;
        known = std::max(known, iommu_translate(c, scope, page, at_rc, present));
        if (!present) {
          fail(r, known - now());  // a DMA remapping fault: no PRI without ATS
          return;
        }
      }
      r.translated = known;
      at_rc = known;
    }
    r.ready_at = w_.memory.access(now(), at_rc, static_cast<double>(bytes));
    r.stage = r.read ? Stage::deliver : Stage::done;
  }

  // A read's data is at the root complex: its completions go down to the device.
  void deliver(Request& r) {
    r.ready_at = w_.fabric.send(device_, Direction::downstream, now(), now(), read_completions(w_.fabric.tlp(), st_.request_bytes), false);
    r.stage = Stage::done;
  }

  // A page that is not present: PRI devices ask the IOMMU for it once the translation that found it
  // missing is done (send_page_request()); others get an error completion, as a DMA remapping fault.
  void fault(Request& r, std::uint64_t page, double translation_time) {
    missed_pages_.clear();
    if (!caps_.pri) {
      fail(r, translation_time);
      return;
    }
    r.waiting_fault = true;
    r.request_unsent = true;
    r.page_request = {responses_, device_, pasid_, page, now() + translation_time};
  }

  // One Page Request per page in flight: a request finding one already sent for its page waits for its
  // response. Returns true when the queue was full and the requests on the page failed (their slots
  // have a new time).
  bool send_page_request(Request& r) {
    r.request_unsent = false;
    const std::uint64_t page = r.page_request.addr;
    for (const Request& other : slots_)
      if (&other != &r && other.active && other.waiting_fault && !other.request_unsent && other.page_request.addr == page) return false;
    ++counters(r).page_faults;
    if (iommu_.prq_total >= iommu_.prq_capacity) {
      // The page-request queue is full: the IOMMU sets its overflow bit and answers with a failure.
      iommu_.prq_overflowed = true;
      ++w_.stats.page_request_overflows;
      for (Request& other : slots_)
        if (other.active && other.waiting_fault && other.page_request.addr == page) {
          other.waiting_fault = false;
          other.request_unsent = false;
          fail(other, ats_round_trip_);
        }
      return true;
    }
    ++iommu_.prq_total;
    r.page_request.seq = ++iommu_.prq_seq;
    iommu_.prq_outstanding[r.page_request.seq] = {pasid_, device_};
    w_.send(iommu_.prq, &r.page_request, w_.timing.ats_msg_bytes);
    return false;
  }

  // The request ends in an error once its translation attempt is answered; the slot stays busy until
  // then (at least a nanosecond), so a device hammering an unmapped page cannot spin at one instant.
  void fail(Request& r, double after) {
    r.error = true;
    r.info.retranslate = false;
    r.translated = now() + std::max(after, 1e-9);
    r.ready_at = r.translated;
    r.stage = Stage::done;
  }

  void fault_resolved(const PageRequest& answer) {
    if (answer.sent * 1e9 >= w_.scenario.warmup_ns - 1e-3)
      stats_.page_fault_latency.record(static_cast<std::uint64_t>(std::max(0.0, now() - answer.sent) * 1e9 + 0.5));
    const std::uint64_t page = answer.addr;
    // Release every waiter first: a retry that faults again must see no stale waiter on this page, or it
    // would count on a page request nobody sends.
    std::vector<Request*> retry;
    for (Request& r : slots_)
      if (r.active && r.waiting_fault && r.page_request.addr == page) {
        r.waiting_fault = false;
        r.request_unsent = false;
        retry.push_back(&r);
      }
    for (Request* r : retry) translate(*r);  // the retry: a fresh ATS translation request
  }

  // Moves every request whose stage is due to its next one; returns when the next one will be.
  double advance() {
    double wake = st_.rate_per_ns > 0 && more() && !free_.empty() ? next_arrival_ : kInf;
    for (Request& r : slots_) {
      if (r.active && r.waiting_fault && r.request_unsent) {
        if (r.page_request.sent <= now() + kEpsilon) {
          if (send_page_request(r)) wake = now();  // requests failed in slots already passed: look again
        } else
          wake = std::min(wake, r.page_request.sent);
      }
      while (r.active && !r.waiting_fault && r.ready_at <= now() + kEpsilon) {
        if (r.stage == Stage::translate) {
          if (r.info.retranslate) {  // invalidated before it was sent
            translate(r);
            continue;
          }
          issue(r);
        } else if (r.stage == Stage::deliver) {
          deliver(r);
        } else {
          if (r.error) {
            ++counters(r).dma_errors;
            finish(r, now(), false);
          } else {
            complete(r);
          }
          wake = now();  // a slot freed: admit again before waiting
        }
      }
      if (r.active && !r.waiting_fault) wake = std::min(wake, r.ready_at);
      // A retranslation above may have found a page missing: its Page Request is due then.
      if (r.active && r.waiting_fault && r.request_unsent) wake = std::min(wake, r.page_request.sent);
    }
    return wake;
  }

  void complete(Request& r) {
    // A completion must never rest on a translation obtained before an invalidation reached the
    // device when that invalidation was answered (completed) before this completion.
    for (const AnsweredInvalidation& a : dev_.answered)
      if (r.info.used_atc && (a.all_pasids || a.pasid == r.info.pasid) && r.info.translated_at < a.arrived - kEpsilon &&
          a.answered < now() - kEpsilon && (a.whole || (a.start < r.info.end && r.info.start < a.end)))
        ++stats_.dma.stale_translation_uses;
    TranslationCounters& c = counters(r);
    ++c.dma_completed;
    c.dma_bytes += st_.request_bytes;
    finish(r, now(), true);
  }

  void finish(Request& r, double completed, bool ok) {
    if (ok && r.measured) {
      // Latency from when the request was due; service time from when the device took it up. They
      // differ only for open-loop arrivals that found every slot busy: the queueing overload causes.
      const auto ns = [](double t) { return static_cast<std::uint64_t>(t * 1e9 + 0.5); };
      stats_.dma_latency.record(ns(completed - r.issued));
      stats_.dma_service_latency.record(ns(completed - r.started));
      stats_.translation_latency.record(ns(r.translated - r.issued));
      stats_.last_completion_ns = std::max(stats_.last_completion_ns, completed * 1e9);
      flow_.latency.record(ns(completed - r.issued));
      flow_.service_latency.record(ns(completed - r.started));
      ++flow_.completed;
      flow_.bytes += st_.request_bytes;
      flow_.last_completion_ns = std::max(flow_.last_completion_ns, completed * 1e9);
    } else if (!ok && r.measured) {
      ++flow_.errors;
    }
    if (ok && completed * 1e9 >= w_.scenario.warmup_ns) {
      stats_.window_bytes += st_.request_bytes;
      flow_.window_bytes += st_.request_bytes;
      stats_.last_completion_ns = std::max(stats_.last_completion_ns, completed * 1e9);
      flow_.last_completion_ns = std::max(flow_.last_completion_ns, completed * 1e9);
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
  FlowStats& flow_;
  const DeviceCaps& caps_;
  RandomStream rng_;
  std::uint32_t pasid_;
  double ats_round_trip_ = 0;
  std::unique_ptr<AccessPattern> pattern_;
  std::vector<Request> slots_;
  std::vector<int> free_;
  std::vector<std::uint64_t> missed_pages_;
  TranslationCounters warmup_counters_;  // what requests due during the warm-up did (not reported)
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
