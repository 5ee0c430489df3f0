#include "engine/raw_floor.hpp"

#include <simgrid/s4u.hpp>

#include <chrono>

namespace svasim {

namespace sg4 = simgrid::s4u;

double run_raw_simgrid_floor(std::uint64_t sleeps, std::uint64_t comms) {
  int argc = 2;
  char name[] = "svasim-bench";
  char quiet[] = "--log=xbt_cfg.thres:warning";
  char* argv[] = {name, quiet, nullptr};
  sg4::Engine e(&argc, argv);
  e.set_config("network/model:CM02");
  e.set_config("network/crosstraffic:0");
  auto* zone = sg4::create_full_zone("raw");
  auto* a = zone->create_host("a", 1e9);
  auto* b = zone->create_host("b", 1e9);
  auto* link = zone->create_link("ab", 16e9)->set_latency(150e-9);
  link->seal();
  zone->add_route(a->get_netpoint(), b->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(link)}, true);
  zone->seal();
  auto* mb = sg4::Mailbox::by_name("raw");
  static int payload = 0;
  sg4::Actor::create("receiver", b, [mb, comms] {
    mb->set_receiver(sg4::Actor::self());
    for (std::uint64_t i = 0; i < comms; ++i) mb->get<int>();
  });
  sg4::Actor::create("sender", a, [mb, sleeps, comms] {
    const std::uint64_t per = comms ? sleeps / comms : sleeps;
    std::uint64_t done = 0;
    for (std::uint64_t i = 0; i < comms; ++i) {
      mb->put_init(&payload, 32)->detach();
      for (std::uint64_t k = 0; k < per; ++k, ++done) sg4::this_actor::sleep_for(100e-9);
    }
    for (; done < sleeps; ++done) sg4::this_actor::sleep_for(100e-9);
  });
  const auto t0 = std::chrono::steady_clock::now();
  e.run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace svasim
