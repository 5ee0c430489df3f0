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

// Takes a queue lock, charging the wait to the IOMMU's counters.
void lock_queue(World& w, int iommu, sg4::Mutex& m) {
  const double t = now();
  m.lock();
  const double waited_ns = (now() - t) * 1e9;
  w.stats.per_iommu[iommu].queue_lock_wait_ns += waited_ns;
  w.stats.queue_lock_wait.record(static_cast<std::uint64_t>(waited_ns + 0.5));
}

// Writes the submission into the ring and rings the doorbell (tail register). The caller holds the
// queue lock where the driver has one.
void write_and_ring(World& w, IommuState& q, QueueEntry& entry) {
  const Submission& sub = *entry.sub;
  const std::size_t written = sub.descs.size() + (sub.wait ? 1 : 0);
  w.sleep(w.timing.submit + static_cast<double>(written) * w.timing.desc_write);
  q.ring.push_back(&entry);
  ++q.tail;
  // The doorbell carries the descriptors' bytes: the IOMMU fetches them over the same path.
  w.send(q.doorbell, reinterpret_cast<void*>(static_cast<std::uintptr_t>(q.tail)), written * w.timing.desc_bytes);
}

void count(World& w, const Submission& sub) {
  QueueCounters& c = w.stats.per_iommu[sub.iommu];
  ++c.submissions;
  c.descriptors += sub.descs.size();
  c.invalidation_waits += sub.wait ? 1 : 0;
  for (const Descriptor& d : sub.descs) {
    c.iotlb_invalidations += is_iotlb(d.kind) ? 1 : 0;
    c.devtlb_invalidations += is_devtlb(d.kind) ? 1 : 0;
  }
}

// The descriptors' effect on the caches when the VMM emulates the queue itself (emulated devices):
// what the IOMMU engine and the device would do, applied synchronously during the exit.
void emulate_invalidations(World& w, const QueueEntry& entry) {
  const Submission& sub = *entry.sub;
  for (const Descriptor& d : sub.descs) {
    const CoveredRange c = covered(d);
    if (!is_devtlb(d.kind)) {
      w.iommus[sub.iommu].walker->invalidate(iotlb_scope(entry.process, entry.domain), c.start, c.end, c.whole);
    } else if (auto& atc = w.devices[d.device].atc) {
      const auto pasid = static_cast<std::uint32_t>(entry.process);
      if (c.whole)
        atc->invalidate_scope(pasid);
      else
        atc->invalidate_range(pasid, c.start, c.end);
    }
  }
}

// A guest's submission: the guest driver writes its vIOMMU queue under its own lock; the tail write traps
// to the VMM, which handles the whole queue before the vCPU resumes (so the wait is already done when the
// guest starts polling). With nested translation the VMM has the host kernel issue the same invalidation
// on the physical queue and waits for it.
void submit_in_guest(World& w, QueueEntry& entry, QueueDiscipline discipline) {
  const Submission& sub = *entry.sub;
  IommuState& q = w.iommus[sub.iommu];
  QueueCounters& c = w.stats.per_iommu[sub.iommu];
  const std::size_t written = sub.descs.size() + (sub.wait ? 1 : 0);
  const bool locked = discipline != QueueDiscipline::smmu_cmdq;
  if (locked) lock_queue(w, sub.iommu, *q.guest_q_lock);
  w.sleep(w.timing.submit + static_cast<double>(written) * w.timing.desc_write);
  const double exit_start = now();
  ++c.vm_exits;
  q.vmm_queue->lock();  // the one emulated queue: vCPUs exiting at once wait for each other
  w.sleep(w.timing.vm_exit + static_cast<double>(sub.descs.size()) * w.timing.vm_emulated_desc);
  if (w.environment == Environment::guest_nested) {
    w.sleep(w.timing.vm_iommufd);
    lock_queue(w, sub.iommu, *q.q_lock);
    write_and_ring(w, q, entry);
    q.q_lock->unlock();
    if (sub.wait) entry.reply->get<QueueEntry>();
  } else {
    emulate_invalidations(w, entry);
  }
  q.vmm_queue->unlock();
  c.vm_exit_ns += (now() - exit_start) * 1e9;
  if (locked) q.guest_q_lock->unlock();
  if (sub.wait) {
    w.sleep(w.timing.poll);
    if (discipline == QueueDiscipline::vtd_qi) {
      lock_queue(w, sub.iommu, *q.guest_q_lock);
      q.guest_q_lock->unlock();
    }
  }
}

// `entry` must outlive the IOMMU's use of it: a submission without a wait is still in the ring when
// this returns, so entries live as long as the plan (whose last submission always waits).
void submit_on_host(World& w, QueueEntry& entry, QueueDiscipline discipline);

void submit(World& w, QueueEntry& entry, QueueDiscipline discipline) {
  const Submission& sub = *entry.sub;
  const double start = now();
  count(w, sub);
  if (w.environment != Environment::bare_metal)
    submit_in_guest(w, entry, discipline);
  else
    submit_on_host(w, entry, discipline);
  if (sub.wait) w.stats.submission_latency.record(static_cast<std::uint64_t>((now() - start) * 1e9 + 0.5));
}

void submit_on_host(World& w, QueueEntry& entry, QueueDiscipline discipline) {
  const Submission& sub = *entry.sub;
  sg4::Mailbox* reply = entry.reply;
  IommuState& q = w.iommus[sub.iommu];
  // VT-d qi_submit_sync() writes under q_lock and AMD iommu_queue_command() under iommu->lock; SMMUv3's
  // arm_smmu_cmdq_issue_cmdlist() claims space with cmpxchg on prod and takes no lock.
  const bool locked = discipline != QueueDiscipline::smmu_cmdq;
  if (locked) lock_queue(w, sub.iommu, *q.q_lock);
  write_and_ring(w, q, entry);
  if (locked) q.q_lock->unlock();
  if (sub.wait) {  // an SMMUv3 full batch is issued without CMD_SYNC and not waited for
    reply->get<QueueEntry>();
    w.sleep(w.timing.poll);
    // VT-d spins dropping and retaking q_lock between polls; the final retake, to reclaim the
    // descriptors, is where other CPUs contend. AMD's wait_on_sem() and SMMUv3's poll take no lock.
    if (discipline == QueueDiscipline::vtd_qi) {
      lock_queue(w, sub.iommu, *q.q_lock);
      q.q_lock->unlock();
    }
  }
}

}  // namespace

void unmap_thread(World& w, int stream_index) {
  const Scenario& s = w.scenario;
  const UnmapStream& st = s.unmaps[stream_index];
  const Process& proc = s.processes[st.process];
  RandomStream rng(s.seed, "unmap/" + std::to_string(stream_index));
  sg4::Mailbox* reply = sg4::Mailbox::by_name("wait-status/" + std::to_string(stream_index));
  reply->set_receiver(sg4::Actor::self());
  const QueueDiscipline discipline = w.planner->discipline();
  const double duration = s.duration_ns * 1e-9;

  MmState& mm = w.mms[st.process];
  std::vector<Attachment> bound;
  std::vector<SvaDomain> domains;
  std::size_t binds_seen = 0;
  FlushPlan plan;
  std::vector<QueueEntry> entries;
  // Ranges the thread touches again later; due times only grow (completion + a constant delay).
  std::deque<std::pair<double, UnmapRange>> retouches;
  double next = st.arrival == UnmapStream::Arrival::times ? st.at_ns.front() * 1e-9 : st.start_ns * 1e-9;
  std::size_t index = 0;
  auto more_unmaps = [&] {
    return next < duration && (st.count < 0 || static_cast<std::int64_t>(index) < st.count) &&
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

    // The mm's attachments at this instant; domains are rebuilt only when a bind happened.
    while (binds_seen < proc.binds.size() && proc.binds[binds_seen].at_ns * 1e-9 <= start) {
      const int d = proc.binds[binds_seen++].device;
      const Node& n = s.topology.node(s.topology.devices()[d]);
      bound.push_back({d, s.topology.iommu_of_device(d), n.caps.ats, n.caps.extra_devtlb_quirk, n.caps.streams});
      domains = w.sharing->domains(bound);
    }

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
      w.sleep(w.timing.notifier);
      entries.assign(plan.submissions.size(), QueueEntry{});
      for (std::size_t i = 0; i < plan.submissions.size(); ++i) {
        entries[i] = {&plan.submissions[i], reply, st.process, dom.id};
        submit(w, entries[i], discipline);
      }
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
