#include "engine/sim/simulation.hpp"

#include <simgrid/s4u.hpp>
#include <stdexcept>

#include "engine/sim/world.hpp"
#include "models/catalog.hpp"

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
      max_ats_outstanding(static_cast<int>(p.get_int("device.max_ats_inv_outstanding"))) {}

World::World(const Scenario& s, Platform p)
    : scenario(s),
      timing(s.params),
      sharing(make_domain_sharing(s.domain_model)),
      planner(make_flush_planner(s.flush_model, s.params)),
      platform(std::move(p)) {
  const Topology& topo = s.topology;
  iommus.resize(topo.iommus().size());
  for (std::size_t i = 0; i < iommus.size(); ++i) {
    const std::string& name = topo.node(topo.iommus()[i]).name;
    iommus[i].q_lock = sg4::Mutex::create();
    iommus[i].doorbell = sg4::Mailbox::by_name(name + "/tail");
    iommus[i].ats_done = sg4::Mailbox::by_name(name + "/ats-completions");
  }
  for (std::size_t d = 0; d < topo.devices().size(); ++d) {
    const Node& n = topo.node(topo.devices()[d]);
    devices.push_back(DeviceState{{}, {}, nullptr, 0, RandomStream(s.seed, "device/" + n.name)});
    devices[d].itags.resize(static_cast<std::size_t>(timing.max_ats_outstanding));
    for (int t = timing.max_ats_outstanding - 1; t >= 0; --t) devices[d].free_itags.push_back(t);
    devices[d].ats_inbox = sg4::Mailbox::by_name(n.name + "/ats-requests");
    devices[d].ats_inv = n.caps.ats_inv_ns >= 0 ? n.caps.ats_inv_ns * 1e-9 : timing.device_ats_inv;
  }
  stats.per_iommu.resize(iommus.size());
  stats.per_device.resize(devices.size());
}

Stats run_simulation(const Scenario& s, const std::vector<std::string>& simgrid_args) {
  // SimGrid announces every configuration change at INFO level; that is noise in a results table
  // unless the user asked for logs.
  std::vector<std::string> args{"svasim", "--log=xbt_cfg.thres:warning"};
  args.insert(args.end(), simgrid_args.begin(), simgrid_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());
  // PCIe links are not TCP: CM02 without cross-traffic gives exactly latency + size/bandwidth.
  // Must precede the first zone. User --cfg flags were applied by the constructor and win.
  {
    auto set_default = [&](const std::string& key, const std::string& value) {
      bool user_set = false;
      for (const auto& a : simgrid_args)
        if (a.rfind("--cfg=" + key + ":", 0) == 0) user_set = true;
      if (!user_set) engine.set_config(key + ":" + value);
    };
    set_default("network/model", "CM02");
    set_default("network/crosstraffic", "0");
    // Simulated quantities are nanoseconds: keep rounding two orders of magnitude below that.
    set_default("surf/precision", "1e-11");
  }

  World w(s, build_platform(s.topology));
  for (std::size_t i = 0; i < w.iommus.size(); ++i)
    sg4::Actor::create("qi-engine/" + std::to_string(i), w.platform.iommus[i], [&w, i] {
      iommu_queue_engine(w, static_cast<int>(i));
    })->daemonize();
  for (std::size_t d = 0; d < w.devices.size(); ++d)
    sg4::Actor::create("ats/" + std::to_string(d), w.platform.devices[d], [&w, d] {
      device_ats_responder(w, static_cast<int>(d));
    })->daemonize();
  for (std::size_t u = 0; u < s.unmaps.size(); ++u)
    sg4::Actor::create("unmap/" + std::to_string(u), w.platform.cores[s.unmaps[u].cpu], [&w, u] {
      unmap_thread(w, static_cast<int>(u));
    });
  engine.run();

  w.stats.simulated_ns = sg4::Engine::get_clock() * 1e9;
  for (const auto& c : w.stats.per_iommu) w.stats.total.add(c);
  return std::move(w.stats);
}

}  // namespace svasim
