#include "engine/simulation.hpp"

#include "models/vm/host_load.hpp"

#include <simgrid/s4u.hpp>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "core/error.hpp"
#include "engine/invariants.hpp"
#include "engine/world.hpp"

namespace svasim {

namespace sg4 = simgrid::s4u;

Timing::Timing(const Params& p)
    : notifier(p.get("cpu.notifier_ns") * 1e-9),
      submit(p.get("cpu.submit_ns") * 1e-9),
      desc_write(p.get("cpu.desc_write_ns") * 1e-9),
      poll(p.get("cpu.poll_ns") * 1e-9),
      iotlb_inv(p.get("iommu.iotlb_inv_ns") * 1e-9),
      devtlb_issue(p.get("iommu.devtlb_issue_ns") * 1e-9),
      wait(p.get("iommu.wait_ns") * 1e-9),
      device_ats_inv(p.get("device.ats_inv_ns") * 1e-9),
      device_ats_jitter(p.get("device.ats_inv_jitter_ns") * 1e-9),
      desc_bytes(static_cast<std::uint64_t>(p.get_int("queue.desc_bytes"))),
      ats_msg_bytes(static_cast<std::uint64_t>(p.get_int("pcie.ats_msg_bytes"))),
      max_ats_outstanding(static_cast<int>(p.get_int("device.max_ats_inv_outstanding"))),
      memory(p.get("dma.memory_ns") * 1e-9),
      iotlb_miss(p.get("iommu.iotlb_miss_ns") * 1e-9),
      walk_read(p.get("iommu.walk_read_ns") * 1e-9),
      pri_dispatch(p.get("pri.dispatch_ns") * 1e-9),
      pri_fault(p.get("pri.fault_ns") * 1e-9),
      prq_entries(static_cast<int>(p.get_int("pri.prq_entries"))),
      dma_max_outstanding(static_cast<int>(p.get_int("dma.max_outstanding"))),
      walkers(static_cast<int>(p.get_int("iommu.walkers"))),
      ats_inv_waits_for_dma(p.get_bool("device.ats_inv_waits_for_dma")),
      bind(p.get("cpu.bind_ns") * 1e-9),
      unbind(p.get("cpu.unbind_ns") * 1e-9),
      reg_read(p.get("vtd.reg_read_ns") * 1e-9),
      relax(p.get("cpu.relax_ns") * 1e-9) {}

void MmState::set_present(std::uint64_t start, std::uint64_t end, bool value) {
  if (start >= bytes) return;
  end = std::min(end, bytes);
  for (std::uint64_t page = start >> page_shift; page < ((end + (1ULL << page_shift) - 1) >> page_shift); ++page)
    present[page] = value;
}

World::World(const Scenario& s, Platform platform_in)
    : scenario(s),
      timing(s.params),
      sharing(make_domain_sharing(s.domain_model)),
      arch(make_arch_tlb_flush(s.arch_model, s.params)),
      planner(make_flush_planner(s.flush_model, s.params)),
      queue(QueueDiscipline::factory().make(s.queue_model, s.params)),
      environment(Environment::factory().make(s.environment, s.params)),
      platform(std::move(platform_in)),
      fabric(s.topology, TlpCosts(s.params)) {
  memory.latency = s.params.get("dma.memory_ns") * 1e-9;
  memory.bytes_per_s = s.params.get("memory.bandwidth_gbps") * 1e9;
  for (std::size_t i = 0; i < s.dma.size(); ++i)
    for (int d : s.dma[i].devices) stats.flow_slot(static_cast<int>(i), d);
  const Topology& topo = s.topology;
  const Params& p = s.params;
  sva_lock = sg4::Mutex::create();
  vmm_lock = sg4::Mutex::create();
  // A guest's unmap threads are its vCPUs; with vm.host_cpus they share that many host CPUs.
  if (const HostCpuConfig hc = HostCpuConfig::from(p); environment->is_guest() && hc.host_cpus > 0 && !s.unmaps.empty())
    host_cpus = std::make_unique<HostCpus>(hc, static_cast<int>(s.unmaps.size()));
  timing.ats_timeout = queue->ats_timeout_ns() * 1e-9;
  timing.timeout_halts_queue = queue->timeout_halts_queue();
  const char* every_poll = std::getenv("SVASIM_SIMULATE_EVERY_POLL");
  timing.simulate_every_poll = every_poll && std::string_view(every_poll) == "1";
  WalkerConfig wc;
  wc.iotlb_entries = static_cast<std::size_t>(p.get_int("iommu.iotlb_entries"));
  wc.iotlb_ways = static_cast<std::size_t>(p.get_int("iommu.iotlb_ways"));
  wc.pwc_entries[0] = static_cast<std::size_t>(p.get_int("iommu.pwc_pml4_entries"));
  wc.pwc_entries[1] = static_cast<std::size_t>(p.get_int("iommu.pwc_pdpt_entries"));
  wc.pwc_entries[2] = static_cast<std::size_t>(p.get_int("iommu.pwc_pd_entries"));
  wc.pwc_ways = static_cast<std::size_t>(p.get_int("iommu.pwc_ways"));
  wc.nested = environment->nested_translation();
  wc.s2_tlb_entries = static_cast<std::size_t>(p.get_int("iommu.s2_tlb_entries"));
  {
    const auto s2_pd = static_cast<std::size_t>(p.get_int("iommu.s2_pwc_entries"));
    wc.s2_pwc_entries[0] = std::min<std::size_t>(s2_pd, 4);
    wc.s2_pwc_entries[1] = std::min<std::size_t>(s2_pd, 16);
    wc.s2_pwc_entries[2] = s2_pd;
    const auto kib = p.get_int("iommu.s2_page_kib");
    wc.s2_page_shift = kib >= 1048576 ? 30 : kib >= 2048 ? 21 : 12;
  }
  iommus.resize(topo.iommus().size());
  for (std::size_t i = 0; i < iommus.size(); ++i) {
    const std::string& name = topo.node(topo.iommus()[i]).name;
    iommus[i].q_lock = sg4::Mutex::create();
    iommus[i].guest_q_lock = sg4::Mutex::create();
    iommus[i].guest_cmdq_owner = sg4::Mutex::create();
    iommus[i].guest_cmdq_mutex = sg4::Mutex::create();
    iommus[i].guest_cmdq_changed = sg4::ConditionVariable::create();
    iommus[i].slots = QiRing(static_cast<int>(p.get_int("vtd.qi_ring_entries")));
    iommus[i].slots_freed = sg4::ConditionVariable::create();
    iommus[i].doorbell = sg4::Mailbox::by_name(name + "/tail");
    iommus[i].ats_done = sg4::Mailbox::by_name(name + "/ats-completions");
    iommus[i].fault_cleared = sg4::Mailbox::by_name(name + "/fault-status-write");
    const double bad_ns = topo.node(topo.iommus()[i]).bad_descriptor_at_ns;
    iommus[i].bad_descriptor_at = bad_ns >= 0 ? bad_ns * 1e-9 : -1;
    iommus[i].queue_capacity = iommus[i].queue_free = queue->queue_entries();
    iommus[i].space_mutex = sg4::Mutex::create();
    iommus[i].space_freed = sg4::ConditionVariable::create();
    iommus[i].cmdq_owner = sg4::Mutex::create();
    iommus[i].gathered_written = sg4::ConditionVariable::create();
    iommus[i].spin_mutex = sg4::Mutex::create();
    iommus[i].spin_cv = sg4::ConditionVariable::create();
    iommus[i].prq = sg4::Mailbox::by_name(name + "/page-requests");
    iommus[i].prq_to_cpu = sg4::Mailbox::by_name(name + "/page-request-queue");
    iommus[i].prq_responses = sg4::Mailbox::by_name(name + "/page-responses");
    iommus[i].walker = std::make_unique<PageWalker>(wc);
    iommus[i].walkers = ServerPool(timing.walkers);
    iommus[i].prq_capacity = timing.prq_entries;
    iommus[i].prq_drained = sg4::ConditionVariable::create();
    iommus[i].prq_mutex = sg4::Mutex::create();
  }
  // Page tables start fully present; each device is attached to the domain the sharing model gives it
  // once every bind has happened (domain ids are stable as binds are appended).
  for (const Process& proc : s.processes) {
    MmState mm;
    mm.page_shift = proc.memory.page_shift;
    mm.bytes = proc.memory.pages << 12;
    mm.present.assign(static_cast<std::size_t>(mm.bytes >> mm.page_shift), 1);
    mm.device_domain.assign(topo.devices().size(), -1);
    mm.table = std::make_unique<DomainTable>(*sharing);
    // Binds at time 0 are the state the run starts in; later ones are the bind thread's work.
    for (const BindEvent& b : proc.binds)
      if (b.at_ns <= 0) {
        const AttachResult r = mm.table->attach(attachment_of(topo, b.device));
        mm.device_domain[static_cast<std::size_t>(b.device)] = r.domain;
      }
    mms.push_back(std::move(mm));
  }
  const std::size_t atc_entries = static_cast<std::size_t>(p.get_int("device.atc_entries"));
  const std::size_t atc_ways = std::min<std::size_t>(atc_entries ? atc_entries : 1, static_cast<std::size_t>(p.get_int("device.atc_ways")));
  devices.resize(topo.devices().size());
  for (std::size_t d = 0; d < topo.devices().size(); ++d) {
    const Node& n = topo.node(topo.devices()[d]);
    DeviceState& ds = devices[d];
    ds.rng = RandomStream(s.seed, "device/" + n.name);
    if (n.caps.ats) ds.atc = std::make_unique<TranslationCache>(atc_entries, atc_ways, Replacement::lru, fnv1a64(n.name));
    ds.inflight_mutex = sg4::Mutex::create();
    ds.dma_finished = sg4::ConditionVariable::create();
    ds.itags.resize(static_cast<std::size_t>(timing.max_ats_outstanding));
    for (int t = timing.max_ats_outstanding - 1; t >= 0; --t) ds.free_itags.push_back(t);
    ds.ats_inbox = sg4::Mailbox::by_name(n.name + "/ats-requests");
    ds.ats_inv = n.caps.ats_inv_ns >= 0 ? n.caps.ats_inv_ns * 1e-9 : timing.device_ats_inv;
  }
  stats.per_iommu.resize(iommus.size());
  stats.per_device.resize(devices.size());
}

void World::spin_lock(sg4::Mutex& m, bool host) {
  if (host_cpus)
    host_cpus->spin_lock(m, host);
  else
    m.lock();
}

void World::spin_unlock(sg4::Mutex& m) {
  if (host_cpus)
    host_cpus->spin_unlock(m);
  else
    m.unlock();
}

sg4::Mutex& World::domain_lock(int process, int domain) {
  auto& m = domain_locks[{process, domain}];
  if (!m) m = sg4::Mutex::create();
  return *m;
}

World::DomainUse& World::use_of(int process, int domain) {
  DomainUse& u = domain_use[{process, domain}];
  if (!u.idle) {
    u.idle = sg4::ConditionVariable::create();
    u.mutex = sg4::Mutex::create();
  }
  return u;
}

Stats run_simulation(const Scenario& s, const std::vector<std::string>& simgrid_args, bool check_invariants,
                     Trace* trace) {
  // SimGrid announces every configuration change at INFO level; that is noise in a results table
  // unless the user asked for logs.
  std::vector<std::string> args{"svasim", "--log=xbt_cfg.thres:warning"};
#if defined(__SANITIZE_ADDRESS__)
  // Debian's SimGrid switches actor stacks with raw contexts that carry no ASan fiber annotations, so
  // ASan reports stack overflows that are not there. Thread contexts keep an ordinary stack per actor.
  // A user's own contexts/factory (later on the command line) still wins.
  args.emplace_back("--cfg=contexts/factory:thread");
#endif
  args.insert(args.end(), simgrid_args.begin(), simgrid_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  // A bad --cfg/--log is the user's input: report it as such (exit 2), not as a failed run.
  std::unique_ptr<sg4::Engine> engine_ptr;
  try {
    engine_ptr = std::make_unique<sg4::Engine>(&argc, argv.data());
    // PCIe links are not TCP: CM02 without cross-traffic gives exactly latency + size/bandwidth.
    // Must precede the first zone. User --cfg flags were applied by the constructor and win.
    auto set_default = [&](const std::string& key, const std::string& value) {
      for (const auto& a : simgrid_args)
        if (a.rfind("--cfg=" + key + ":", 0) == 0) return;
      engine_ptr->set_config(key + ":" + value);
    };
    set_default("network/model", "CM02");
    set_default("network/crosstraffic", "0");
    // Simulated quantities are nanoseconds: keep rounding two orders of magnitude below that.
    set_default("surf/precision", "1e-11");
  } catch (const std::exception& e) {
    throw InputError("--cfg", std::string("SimGrid rejected an option: ") + e.what());
  }
  sg4::Engine& engine = *engine_ptr;

  World w(s, build_platform(s.topology));
  w.trace = trace;
  for (std::size_t i = 0; i < w.iommus.size(); ++i)
    sg4::Actor::create("qi-engine/" + std::to_string(i), w.platform.iommus[i], [&w, i] {
      iommu_queue_engine(w, static_cast<int>(i));
    })->daemonize();
  for (std::size_t d = 0; d < w.devices.size(); ++d)
    sg4::Actor::create("ats/" + std::to_string(d), w.platform.devices[d], [&w, d] {
      device_ats_responder(w, static_cast<int>(d));
    })->daemonize();
  for (std::size_t i = 0; i < w.iommus.size(); ++i) {
    sg4::Actor::create("prq/" + std::to_string(i), w.platform.iommus[i], [&w, i] {
      page_request_queue(w, static_cast<int>(i));
    })->daemonize();
    sg4::Actor::create("prq-resp/" + std::to_string(i), w.platform.iommus[i], [&w, i] {
      page_response_forwarder(w, static_cast<int>(i));
    })->daemonize();
    // The fault handler is kernel work on a CPU (the IOPF work queue): core 0.
    sg4::Actor::create("iopf/" + std::to_string(i), w.platform.cores[0], [&w, i] {
      page_request_handler(w, static_cast<int>(i));
    })->daemonize();
  }
  for (std::size_t k = 0; k < s.dma.size(); ++k)
    for (int d : s.dma[k].devices)
      sg4::Actor::create("dma/" + std::to_string(k) + "/" + std::to_string(d), w.platform.devices[d], [&w, k, d] {
        ++w.running;
        dma_engine(w, static_cast<int>(k), d);
        --w.running;
      });
  for (std::size_t p = 0; p < s.processes.size(); ++p) {
    bool work = false;
    for (const BindEvent& b : s.processes[p].binds) work |= b.at_ns > 0 || b.unbind_at_ns >= 0;
    work |= s.processes[p].exit_at_ns >= 0;
    if (work)
      sg4::Actor::create("bind/" + s.processes[p].name, w.platform.cores[p % w.platform.cores.size()], [&w, p] {
        ++w.running;
        bind_thread(w, static_cast<int>(p));
        --w.running;
      });
  }
  for (std::size_t u = 0; u < s.unmaps.size(); ++u)
    sg4::Actor::create("unmap/" + std::to_string(u), w.platform.cores[s.unmaps[u].cpu], [&w, u] {
      ++w.running;
      if (w.host_cpus) w.host_cpus->attach(static_cast<int>(u));
      unmap_thread(w, static_cast<int>(u));
      if (w.host_cpus) w.host_cpus->detach();
      --w.running;
    });
  if (HostLoad::from(s.params).per_ns > 0 && w.environment->is_guest())
    for (std::size_t i = 0; i < w.iommus.size(); ++i)
      sg4::Actor::create("host-load/" + std::to_string(i), w.platform.cores[0], [&w, i] {
        ++w.running;
        host_invalidations(w, static_cast<int>(i));
        --w.running;
      });
  if (w.host_cpus) sg4::Actor::create("host-scheduler", w.platform.cores[0], [&w, &s] {
      // Longer than any wait the drivers allow (a device's ATS time-out), and a second more.
      w.host_cpus->scheduler_actor(1.0 + 2 * w.timing.ats_timeout);
    })->daemonize();
  w.stats.live_domains.start(s.duration_ns);
  w.stats.live_pasids.start(s.duration_ns);
  count_live(w);  // the state the run starts in
  engine.run();
  w.stats.live_domains.finish(sg4::Engine::get_clock() * 1e9);
  w.stats.live_pasids.finish(sg4::Engine::get_clock() * 1e9);
  // SimGrid ends a run whose actors all wait for each other ("Deadlock detected"); results from such a
  // run would silently miss work, so it is a failure of the run.
  if (w.host_cpus && w.host_cpus->stuck())
    throw std::runtime_error("the guest's vCPUs stopped making progress (a model bug: please report it)");
  if (w.running > 0)
    throw std::runtime_error("the simulation deadlocked with " + std::to_string(w.running) +
                             " CPU thread(s) or DMA engine(s) still waiting (a model bug: please report it)");
  for (const auto& d : w.stats.per_device)
    if (d.dma.dma_requests != d.dma.dma_completed + d.dma.dma_errors)
      throw std::runtime_error("DMA requests were lost (a model bug: please report it)");
  if (check_invariants) {
    const auto broken = broken_invariants(w);
    if (!broken.empty()) {
      std::string all;
      for (const auto& b : broken) all += (all.empty() ? "" : "; ") + b;
      throw std::runtime_error("invariant broken: " + all + " (a model bug: please report it)");
    }
  }

  w.stats.simulated_ns = sg4::Engine::get_clock() * 1e9;
  if (w.host_cpus)
    for (std::size_t u = 0; u < s.unmaps.size(); ++u) {
      w.stats.vcpu_steal_ns += w.host_cpus->steal(static_cast<int>(u)) * 1e9;
      w.stats.vm_halt_exits += w.host_cpus->halts(static_cast<int>(u));
    }
  w.stats.guest = w.environment->is_guest();
  for (const MmState& mm : w.mms) w.stats.domains_allocated += static_cast<std::uint64_t>(mm.table->allocated());
  for (std::size_t i = 0; i < w.iommus.size(); ++i) ring_changing(w.iommus[i], w.stats.per_iommu[i], sg4::Engine::get_clock(), 0);
  for (const auto& c : w.stats.per_iommu) w.stats.total.add(c);
  for (const auto& d : w.stats.per_device) {
    w.stats.dma.add(d.dma);
    w.stats.dma_latency.merge(d.dma_latency);
    w.stats.dma_service_latency.merge(d.dma_service_latency);
    w.stats.translation_latency.merge(d.translation_latency);
    w.stats.page_fault_latency.merge(d.page_fault_latency);
  }
  return std::move(w.stats);
}

}  // namespace svasim
