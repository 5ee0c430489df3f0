// The CPU thread of a process that unmaps pages: each unmap runs the mmu_notifier of every SVA domain of
// the mm, and each planned submission goes through the queue discipline of the IOMMU driver.
#include <simgrid/s4u.hpp>
#include <deque>
#include <limits>
#include <stdexcept>

#include "engine/sim/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_unmap, "svasim: CPU threads unmapping pages");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

double now() { return sg4::Engine::get_clock(); }

}  // namespace

void unmap_thread(World& w, int stream_index) {
  const Scenario& s = w.scenario;
  const UnmapStream& st = s.unmaps[stream_index];
  RandomStream rng(s.seed, "unmap/" + std::to_string(stream_index));
  sg4::Mailbox* reply = sg4::Mailbox::by_name("wait-status/" + std::to_string(stream_index));
  reply->set_receiver(sg4::Actor::self());
  const QueueDiscipline discipline = w.planner->discipline();
  const double duration = s.duration_ns * 1e-9;

  MmState& mm = w.mms[st.process];
  std::vector<SvaDomain> domains;
  FlushPlan plan;
  std::vector<QueueEntry> entries;
  // Ranges the thread touches again later; due times only grow (completion + a constant delay).
  std::deque<std::pair<double, UnmapRange>> retouches;
  double next = st.arrival == UnmapStream::Arrival::times ? st.at_ns.front() * 1e-9 : st.start_ns * 1e-9;
  std::size_t index = 0;
  if (st.arrival == UnmapStream::Arrival::poisson) next += rng.exponential(st.interval_ns) * 1e-9;
  // No unmap starts after the duration, even one that arrived earlier but found the thread busy.
  auto more_unmaps = [&] {
    return next < duration && now() < duration && (st.count < 0 || static_cast<std::int64_t>(index) < st.count) &&
           (st.arrival != UnmapStream::Arrival::times || index < st.at_ns.size());
  };

  while (more_unmaps() || !retouches.empty()) {
    double due = more_unmaps() ? next : std::numeric_limits<double>::infinity();
    if (!retouches.empty()) due = std::min(due, retouches.front().first);
    if (now() + kTimeEpsilon < due) w.sleep(due - now());
    while (!retouches.empty() && retouches.front().first <= now() + kTimeEpsilon) {
      mm.set_present(retouches.front().second.start, retouches.front().second.end, true);
      retouches.pop_front();
    }
    if (!more_unmaps() || now() + kTimeEpsilon < next) continue;
    if (now() > next + kTimeEpsilon) ++w.stats.unmaps_started_late;
    const double start = now();

    // The mm's domains at this instant (a copy: binds and unbinds may change them while we flush).
    domains = mm.table->live();

    UnmapRange range;
    if (st.full_range) {
      range = {0, UINT64_MAX};
    } else {
      const std::uint64_t first = st.start_page.sample(rng);
      const std::uint64_t pages = st.pages.sample(rng);
      range = {first << kPageShift, (first + pages) << kPageShift};
    }
    XBT_VERB("unmap %zu: [%#llx, %#llx) over %zu domains", index, static_cast<unsigned long long>(range.start),
             static_cast<unsigned long long>(range.end), domains.size());
    // zap_pte_range() clears the PTEs first; the secondary-TLB invalidation follows.
    mm.set_present(range.start, range.end, false);
    for (const SvaDomain& dom : domains) {
      // Each domain's mmu_notifier plans and submits in turn.
      plan.submissions.clear();
      w.planner->plan(dom, range, plan);
      if (!plan.submissions.empty() && !plan.submissions.back().wait)
        throw std::logic_error("flush plan does not end with a wait: its descriptors would outlive it");
      World::DomainUse& use = w.use_of(st.process, dom.id);
      if (use.freed) continue;  // unbound since our copy: its notifier is gone
      ++use.flushing;
      w.sleep(w.timing.notifier);
      sg4::Mutex* domain_lock = nullptr;
      if (w.planner->flush_under_domain_lock()) {
        domain_lock = &w.domain_lock(st.process, dom.id);
        const double t = now();
        domain_lock->lock();
        w.stats.domain_lock_wait.record(static_cast<std::uint64_t>((now() - t) * 1e9 + 0.5));
      }
      entries.assign(plan.submissions.size(), QueueEntry{});
      for (std::size_t i = 0; i < plan.submissions.size(); ++i) {
        entries[i] = {&plan.submissions[i], reply, st.process, dom.id};
        if (use.freed) ++w.stats.flushes_of_freed_domains;
        submit(w, entries[i], discipline);
      }
      if (domain_lock) domain_lock->unlock();
      if (--use.flushing == 0) use.idle->notify_all();
    }
    ++w.stats.unmaps;
    w.stats.unmap_latency.record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
    if (st.retouch_after_ns >= 0) retouches.emplace_back(now() + st.retouch_after_ns * 1e-9, range);

    ++index;
    switch (st.arrival) {
      case UnmapStream::Arrival::periodic: next += st.interval_ns * 1e-9; break;
      case UnmapStream::Arrival::poisson: next += rng.exponential(st.interval_ns) * 1e-9; break;
      case UnmapStream::Arrival::times:
        if (index < st.at_ns.size()) next = st.at_ns[index] * 1e-9;
        break;
    }
  }
  reply->set_receiver(nullptr);
}

}  // namespace svasim
