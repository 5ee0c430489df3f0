// A process's bind and unbind calls (iommu_sva_bind_device / iommu_sva_unbind_device) after the start:
// the domain attach or detach the sharing model decides, the CPU work around it, and the queue work the
// driver does for the PASID entry (models/flush/lifecycle), through the same submission path as unmaps.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <mutex>

#include "engine/world.hpp"

XBT_LOG_NEW_DEFAULT_CATEGORY(svasim_bind, "svasim: bind and unbind");

namespace svasim {

namespace sg4 = simgrid::s4u;

namespace {

struct LifecycleEvent {
  double at = 0;  // seconds
  int device = 0;
  bool bind = true;
  bool held_for_no_time = false;  // an unbind at the very instant of its own bind (churn hold_us 0)
  // At one instant: unbinds of earlier binds, then binds, then the unbinds of those binds.
  int order() const { return bind ? 1 : held_for_no_time ? 2 : 0; }
};

double now() { return sg4::Engine::get_clock(); }

// VT-d 6.10+ cache_tag_assign_domain() / cache_tag_unassign_domain() and AMD's set/remove_dev_pasid take
// the domain lock a flush holds throughout (cache_lock, sva_pdom->lock): a bind or unbind waits for the
// domain's flush in progress. The bookkeeping itself takes no simulated time.
void assign_cache_tags(World& w, int process, int domain) {
  if (domain < 0 || !w.planner->flush_under_domain_lock()) return;
  sg4::Mutex& m = w.domain_lock(process, domain);
  lock_and_count(w, m, w.stats.domain_lock_wait);
  w.spin_unlock(m);
}

// exit_mmap() -> mmu_notifier_release(): each SVA domain's release callback tears its bindings down with the
// queue work its driver does (models/flush/lifecycle.hpp), then the notifier is gone; the bindings are
// detached without further queue work (the unbinds that follow when the files close find nothing).
void release_mm(World& w, int process, sg4::Mailbox* reply, bool caching_mode) {
  MmState& mm = w.mms[process];
  const double start = now();
  FlushPlan plan;
  std::vector<QueueEntry> entries;
  for (const SvaDomain& dom : mm.table->live()) {
    // The process's own threads are gone by exit_mmap(); a flush the simulation still has in flight ends first.
    World::DomainUse& use = w.use_of(process, dom.id);
    {
      std::unique_lock<sg4::Mutex> lock(*use.mutex);
      while (use.flushing > 0) use.idle->wait(lock);
      use.freed = true;
    }
    plan.submissions.clear();
    w.queue->plan_release(dom, caching_mode, plan);
    XBT_VERB("exit of process %d: domain %d released, %zu submissions", process, dom.id, plan.submissions.size());
    sg4::Mutex* lock = w.queue->release_under_domain_lock() ? &w.domain_lock(process, dom.id) : nullptr;
    if (lock) lock_and_count(w, *lock, w.stats.domain_lock_wait);
    entries.assign(plan.submissions.size(), QueueEntry{});
    for (std::size_t i = 0; i < plan.submissions.size(); ++i) {
      entries[i] = {&plan.submissions[i], reply, process, dom.id};
      entries[i].what = "exit";
      submit(w, entries[i]);
    }
    if (lock) w.spin_unlock(*lock);
  }
  // The bindings go with the mm.
  std::vector<int> bound;
  for (const SvaDomain& dom : mm.table->live())
    for (const Attachment& a : dom.attachments) bound.push_back(a.device);
  for (int d : bound)
    while (mm.table->domain_of(d) >= 0) w.stats.domains_freed += mm.table->detach(d).freed ? 1 : 0;
  std::fill(mm.device_domain.begin(), mm.device_domain.end(), -1);
  count_live(w);
  ++w.stats.mm_releases;
  w.stats.release_latency.record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
  if (w.trace) w.trace->add(TraceSpan{start * 1e9, now() * 1e9, sg4::this_actor::get_name(), "exit (mm release)"});
}

}  // namespace

void count_live(World& w) {
  std::uint64_t domains = 0, pasids = 0;
  for (const MmState& mm : w.mms) {
    domains += mm.table->live().size();
    pasids += mm.table->live().empty() ? 0 : 1;
  }
  w.stats.max_live_domains = std::max(w.stats.max_live_domains, domains);
  w.stats.max_live_pasids = std::max(w.stats.max_live_pasids, pasids);
  w.stats.live_domains.set(now() * 1e9, static_cast<double>(domains));
  w.stats.live_pasids.set(now() * 1e9, static_cast<double>(pasids));
}

void bind_thread(World& w, int process) {
  const Scenario& s = w.scenario;
  MmState& mm = w.mms[process];
  std::vector<LifecycleEvent> events;
  for (const BindEvent& b : s.processes[process].binds) {
    if (b.at_ns > 0) events.push_back({b.at_ns * 1e-9, b.device, true});
    if (b.unbind_at_ns >= 0)
      events.push_back({b.unbind_at_ns * 1e-9, b.device, false, b.at_ns > 0 && b.unbind_at_ns == b.at_ns});
  }
  // At one instant an unbind goes first (a queue closed and reopened at once is two calls, close first),
  // except the unbind of a bind made at that same instant, which follows it.
  std::stable_sort(events.begin(), events.end(), [](const LifecycleEvent& a, const LifecycleEvent& b) {
    return a.at < b.at || (a.at == b.at && a.order() < b.order());
  });
  sg4::Mailbox* reply = sg4::Mailbox::by_name("bind-status/" + s.processes[process].name);
  reply->set_receiver(sg4::Actor::self());
  const bool caching_mode = w.environment->is_guest();  // a vIOMMU runs in caching mode
  FlushPlan plan;
  std::vector<QueueEntry> entries;

  const double exit_at = s.processes[process].exit_at_ns * 1e-9;
  for (const LifecycleEvent& e : events) {
    if (e.at >= s.duration_ns * 1e-9) break;
    if (exit_at >= 0 && e.at >= exit_at) break;  // the exit released every binding: later unbinds find none
    if (now() + kTimeEpsilon < e.at) w.sleep(e.at - now());
    const double start = now();
    // iommu_sva_bind_device() / iommu_sva_unbind_device() hold the global iommu_sva_lock (a mutex) for the
    // whole call: attach or detach, the driver's queue work, the page-request drain and the domain's free.
    // Every process's binds and unbinds contend on it.
    lock_and_count(w, *w.sva_lock, w.stats.sva_lock_wait);
    if (exit_at >= 0 && now() >= exit_at) {  // held up past the exit by the lock: the process is gone
      w.spin_unlock(*w.sva_lock);
      break;
    }
    const Attachment a = attachment_of(s.topology, e.device);
    plan.submissions.clear();
    int domain = -1;
    if (e.bind) {
      const AttachResult r = mm.table->attach(a);
      domain = r.domain;
      assign_cache_tags(w, process, domain);
      w.sleep(w.timing.bind);
      w.queue->plan_bind(a, r, caching_mode, plan);
      ++w.stats.binds;
    } else {
      const int leaving = mm.table->domain_of(e.device);
      assign_cache_tags(w, process, leaving);  // cache_tag_unassign_domain()
      const DetachResult r = mm.table->detach(e.device);
      domain = r.domain;
      w.sleep(w.timing.unbind);
      if (r.freed) {
        // mmu_notifier_put(): the domain goes only after flushes already inside its notifier are done.
        World::DomainUse& use = w.use_of(process, domain);
        const double t = now();
        std::unique_lock<sg4::Mutex> lock(*use.mutex);
        while (use.flushing > 0) use.idle->wait(lock);
        use.freed = true;
        w.stats.domain_free_wait_ns += (now() - t) * 1e9;
      }
      w.queue->plan_unbind(a, r, caching_mode, plan);
      ++w.stats.unbinds;
      w.stats.domains_freed += r.freed ? 1 : 0;
    }
    mm.device_domain[static_cast<std::size_t>(e.device)] = mm.table->domain_of(e.device);
    count_live(w);
    XBT_VERB("%s of device %d: domain %d, %zu submissions", e.bind ? "bind" : "unbind", e.device, domain,
             plan.submissions.size());
    const bool drain = !e.bind && a.pri && w.queue->drains_page_requests() && !plan.submissions.empty();
    if (drain) {
      // intel_drain_pasid_prq(): first wait for the fault thread to finish the page requests queued so far.
      IommuState& q = w.iommus[a.iommu];
      std::unique_lock<sg4::Mutex> lock(*q.prq_mutex);
      // The requests outstanding now: the unbinding device's (6.14+), or any device's with this PASID (up to
      // 6.13). Requests arriving meanwhile are not waited for.
      const bool whole_pasid = w.queue->drain_waits_for_whole_pasid();
      std::vector<std::uint64_t> outstanding;
      for (const auto& [seq, who] : q.prq_outstanding)
        if (whole_pasid ? who.first == static_cast<std::uint32_t>(process) : who.second == e.device) outstanding.push_back(seq);
      const auto any_left = [&] {
        return std::any_of(outstanding.begin(), outstanding.end(), [&](std::uint64_t n) { return q.prq_outstanding.count(n) > 0; });
      };
      while (any_left()) q.prq_drained->wait(lock);
    }
    entries.assign(plan.submissions.size(), QueueEntry{});
    for (std::size_t i = 0; i < plan.submissions.size(); ++i) {
      entries[i] = {&plan.submissions[i], reply, process, domain};
      entries[i].what = e.bind ? "bind" : "unbind";
      entries[i].what_index = e.device;
      submit(w, entries[i]);
    }
    // ... then the fenced drain submission (the last one), repeated while the queue had overflowed (the
    // kernel would go on for ever under a constant overflow; the run stops retrying at its end).
    for (IommuState& q = w.iommus[a.iommu]; drain && q.prq_overflowed && now() < s.duration_ns * 1e-9;) {
      q.prq_overflowed = false;
      ++w.stats.prq_drain_retries;
      submit(w, entries.back());
    }
    w.spin_unlock(*w.sva_lock);
    (e.bind ? w.stats.bind_latency : w.stats.unbind_latency)
        .record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
    if (w.trace)
      w.trace->add(TraceSpan{start * 1e9, now() * 1e9, sg4::this_actor::get_name(),
                             std::string(e.bind ? "bind " : "unbind ") +
                                 s.topology.node(s.topology.devices()[static_cast<std::size_t>(e.device)]).name});
  }
  if (exit_at >= 0 && exit_at < s.duration_ns * 1e-9) {
    if (now() + kTimeEpsilon < exit_at) w.sleep(exit_at - now());
    release_mm(w, process, reply, caching_mode);
  }
  reply->set_receiver(nullptr);
}

}  // namespace svasim
