// The CPU thread of a process that unmaps pages: each unmap clears the PTEs, then runs the mmu_notifier of
// every SVA domain of the mm (arch_invalidate_secondary_tlbs), and each planned submission goes through
// the driver's queue discipline. `--log=svasim_unmap.thres:verbose` narrates each step.
#include <simgrid/s4u.hpp>
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <stdexcept>

#include "engine/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_unmap, "svasim: CPU threads unmapping pages");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

double now() { return sg4::Engine::get_clock(); }

class UnmapThread {
public:
  UnmapThread(World& w, int stream_index)
      : w_(w),
        st_(w.scenario.unmaps[stream_index]),
        rng_(w.scenario.seed, "unmap/" + std::to_string(stream_index)),
        reply_(sg4::Mailbox::by_name("wait-status/" + std::to_string(stream_index))),
        mm_(w.mms[st_.process]),
        duration_(w.scenario.processes[st_.process].end_ns(w.scenario.duration_ns) * 1e-9) {
    next_ = st_.arrival == UnmapStream::Arrival::times ? st_.at_ns.front() * 1e-9 : st_.start_ns * 1e-9;
    if (st_.arrival == UnmapStream::Arrival::poisson) next_ += rng_.exponential(st_.interval_ns) * 1e-9;
    first_due_ = caught_up_at_ = next_;
  }

  void run() {
    reply_->set_receiver(sg4::Actor::self());
    ++w_.stats.unmap_threads;
    while (more_unmaps() || !retouches_.empty()) {
      sleep_until_due();
      touch_pages_again();
      if (!more_unmaps() || now() + kTimeEpsilon < next_) continue;
      if (now() <= next_ + kTimeEpsilon) caught_up();  // on time: it was idle, waiting for this one
      unmap();
      schedule_next();
      if (!unmap_pending()) caught_up();
    }
    count_not_started();
    reply_->set_receiver(nullptr);
  }

private:
  // No unmap starts after the duration (or the process's exit), even one that arrived earlier but found the
  // thread busy.
  bool more_unmaps() const {
    return next_ < duration_ && now() < duration_ && within_count(index_) &&
           (st_.arrival != UnmapStream::Arrival::times || index_ < st_.at_ns.size());
  }

  // The arrivals still due before the end that the thread never began (it was busy until the end): the
  // offered load the run did not serve. Periodic and listed arrivals are counted by arithmetic. Poisson
  // ones are drawn on, exactly as a thread that kept up would have drawn them (each unmap's range, then
  // the gap to the next), so the same seed offers the same arrivals under every profile; past
  // kMaxArrivalsDrawn (an overload of a long run) the rest are counted by their expected number.
  void count_not_started() {
    if (!(next_ < duration_) || !within_count(index_)) return;
    double more = 0;
    switch (st_.arrival) {
      case UnmapStream::Arrival::periodic:
        more = std::ceil((duration_ - next_) * 1e9 / st_.interval_ns - 1e-9);
        break;
      case UnmapStream::Arrival::poisson: {
        std::size_t index = index_;
        for (; next_ < duration_ && within_count(index) && more < kMaxArrivalsDrawn; ++index, more += 1) {
          (void)next_range();  // the draws an unmap makes, so the gaps are the ones it would see
          next_ += rng_.exponential(st_.interval_ns) * 1e-9;
        }
        if (next_ < duration_) more += (duration_ - next_) * 1e9 / st_.interval_ns;
        break;
      }
      case UnmapStream::Arrival::times:
        more = static_cast<double>(std::count_if(st_.at_ns.begin() + static_cast<std::ptrdiff_t>(index_), st_.at_ns.end(),
                                                 [&](double t) { return t * 1e-9 < duration_; }));
        break;
    }
    if (st_.count >= 0) more = std::min(more, static_cast<double>(st_.count) - static_cast<double>(index_));
    const auto n = static_cast<std::uint64_t>(std::max(std::floor(more + 0.5), 0.0));
    w_.stats.unmaps_not_started += n;
    w_.stats.unmaps_due += n;
    // Behind: due unmaps left unbegun by a backlog that had not emptied for a quarter of the arrivals'
    // window or more, over ten arrivals or more. A stable queue's busy periods last a few service times;
    // overload keeps one going (begun late in the run, it still shows if it lasts the last quarter).
    // Fewer than ten arrivals cannot tell overload from a heavy stretch (the tables' rule for quantiles).
    const double busy_arrivals = static_cast<double>(index_ - caught_up_index_) + static_cast<double>(n);
    if (n > 0 && duration_ - caught_up_at_ >= (duration_ - first_due_) / 4 && busy_arrivals >= 10)
      ++w_.stats.unmap_threads_behind;
  }
  static constexpr double kMaxArrivalsDrawn = 1e7;  // ~0.25 s of draws

  // The thread has no due unmap waiting: its backlog emptied here, and the next arrival (index_) starts
  // the next busy period.
  void caught_up() {
    caught_up_at_ = now();
    caught_up_index_ = index_;
  }

  // An arrival is due and not begun: the thread is behind.
  bool unmap_pending() const {
    return next_ <= now() + kTimeEpsilon && next_ < duration_ && within_count(index_) &&
           (st_.arrival != UnmapStream::Arrival::times || index_ < st_.at_ns.size());
  }

  bool within_count(std::size_t index) const { return st_.count < 0 || static_cast<std::int64_t>(index) < st_.count; }

  void sleep_until_due() {
    double due = more_unmaps() ? next_ : std::numeric_limits<double>::infinity();
    if (!retouches_.empty()) due = std::min(due, retouches_.front().first);
    if (now() + kTimeEpsilon >= due) return;
    if (w_.host_cpus && due < std::numeric_limits<double>::infinity())
      w_.host_cpus->until(due);  // the vCPU halts, or computes, until then
    else
      w_.sleep(due - now());
  }

  // The thread uses the pages again: they fault back in on the CPU.
  void touch_pages_again() {
    while (!retouches_.empty() && retouches_.front().first <= now() + kTimeEpsilon) {
      mm_.set_present(retouches_.front().second.start, retouches_.front().second.end, true);
      retouches_.pop_front();
    }
  }

  UnmapRange next_range() {
    if (st_.full_range) return {0, UINT64_MAX};
    const std::uint64_t first = st_.start_page.sample(rng_);
    const std::uint64_t pages = st_.pages.sample(rng_);
    return {first << kPageShift, (first + pages) << kPageShift};
  }

  void unmap() {
    if (now() > next_ + kTimeEpsilon) ++w_.stats.unmaps_started_late;
    ++w_.stats.unmaps_due;
    const double due = next_, start = now();
    // The mm's domains at this instant (a copy: binds and unbinds may change them while we flush).
    domains_ = mm_.table->live();
    if (w_.planner->walks_newest_first()) std::reverse(domains_.begin(), domains_.end());
    const UnmapRange range = next_range();
    XBT_VERB("unmap %zu: [%#llx, %#llx) over %zu domains", index_, static_cast<unsigned long long>(range.start),
             static_cast<unsigned long long>(range.end), domains_.size());
    // zap_pte_range() clears the PTEs first; the architecture's TLB flush then calls the secondary-TLB
    // notifier, with the range it decides (widened, or once per page from reclaim).
    mm_.set_present(range.start, range.end, false);
    calls_.clear();
    w_.arch->notifier_ranges(range, st_.kind, mm_.page_shift, calls_);
    for (const UnmapRange& call : calls_) {
      bool enter = true;  // the notifier to enter: every domain's, or the mm's once
      for (const SvaDomain& dom : domains_)
        if (invalidate_secondary_tlbs(dom, call, enter) && w_.planner->one_notifier_per_mm()) enter = false;
    }
    ++w_.stats.unmaps;
    w_.stats.unmap_latency.record(static_cast<std::uint64_t>((now() - std::min(due, start)) * 1e9 + 0.5));
    w_.stats.unmap_service_latency.record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
    if (w_.trace)
      w_.trace->add(TraceSpan{start * 1e9, now() * 1e9, sg4::this_actor::get_name(),
                              "unmap " + std::to_string(index_) + " (" + std::to_string(range.pages()) + " pages)"});
    XBT_VERB("unmap %zu done", index_);
    // An exited process touches nothing any more.
    const double exit_at = w_.scenario.processes[st_.process].exit_at_ns;
    const double touch_at = now() + st_.retouch_after_ns * 1e-9;
    if (st_.retouch_after_ns >= 0 && (exit_at < 0 || touch_at < exit_at * 1e-9)) retouches_.emplace_back(touch_at, range);
  }

  // One domain's flush in its mmu_notifier (entered first when `enter`): plan, take the domain's lock where
  // the driver has one, submit in order. False when the domain was gone.
  bool invalidate_secondary_tlbs(const SvaDomain& dom, const UnmapRange& range, bool enter) {
    plan_.submissions.clear();
    w_.planner->plan(dom, range, plan_);
    if (!plan_.submissions.empty() && !plan_.submissions.back().wait)
      throw std::logic_error("flush plan does not end with a wait: its descriptors would outlive it");
    World::DomainUse& use = w_.use_of(st_.process, dom.id);
    if (use.freed) return false;  // unbound since our copy: its notifier is gone
    ++use.flushing;
    if (enter) w_.sleep(w_.timing.notifier);
    sg4::Mutex* domain_lock = nullptr;
    if (w_.planner->flush_under_domain_lock()) {
      domain_lock = &w_.domain_lock(st_.process, dom.id);
      lock_and_count(w_, *domain_lock, w_.stats.domain_lock_wait);
    }
    XBT_VERB("domain %d: %zu submissions planned", dom.id, plan_.submissions.size());
    entries_.assign(plan_.submissions.size(), QueueEntry{});
    sg4::Mutex* devices_lock = nullptr;  // SMMUv3: held across the batches issued while gathering ATC commands
    for (std::size_t i = 0; i < plan_.submissions.size(); ++i) {
      if (plan_.submissions[i].under_devices_lock && domain_lock)
        throw std::logic_error("devices_lock taken inside the flush's domain lock: the same mutex");
      if (plan_.submissions[i].under_devices_lock != (devices_lock != nullptr)) {
        if (devices_lock) {
          w_.spin_unlock(*devices_lock);
          devices_lock = nullptr;
        } else {
          devices_lock = &w_.domain_lock(st_.process, dom.id);
          lock_and_count(w_, *devices_lock, w_.stats.domain_lock_wait);
        }
      }
      entries_[i] = {&plan_.submissions[i], reply_, st_.process, dom.id};
      entries_[i].what_index = static_cast<std::int64_t>(index_);
      if (use.freed) ++w_.stats.flushes_of_freed_domains;
      submit(w_, entries_[i]);
    }
    if (devices_lock) w_.spin_unlock(*devices_lock);
    if (domain_lock) w_.spin_unlock(*domain_lock);
    if (--use.flushing == 0) use.idle->notify_all();
    return true;
  }

  void schedule_next() {
    ++index_;
    switch (st_.arrival) {
      case UnmapStream::Arrival::periodic: next_ += st_.interval_ns * 1e-9; break;
      case UnmapStream::Arrival::poisson: next_ += rng_.exponential(st_.interval_ns) * 1e-9; break;
      case UnmapStream::Arrival::times:
        if (index_ < st_.at_ns.size()) next_ = st_.at_ns[index_] * 1e-9;
        break;
    }
  }

  World& w_;
  const UnmapStream& st_;
  RandomStream rng_;
  sg4::Mailbox* reply_;
  MmState& mm_;
  const double duration_;  // the run's end, or the process's exit
  double next_ = 0;
  double first_due_ = 0;     // the first arrival
  double caught_up_at_ = 0;  // the last moment the thread had no due unmap left to begin (idle, or done)
  std::size_t caught_up_index_ = 0;  // the first arrival of the busy period since
  std::size_t index_ = 0;
  std::vector<SvaDomain> domains_;
  std::vector<UnmapRange> calls_;  // the notifier calls of the current unmap
  FlushPlan plan_;
  std::vector<QueueEntry> entries_;
  // Ranges the thread touches again later; due times only grow (completion + a constant delay).
  std::deque<std::pair<double, UnmapRange>> retouches_;
};

}  // namespace

void unmap_thread(World& w, int stream_index) { UnmapThread(w, stream_index).run(); }

}  // namespace svasim
