// The end-of-run invariants (engine/invariants.cpp) hold for every kind of run, and a model that breaks
// one fails the run naming it. (Every other simulation test checks them too: tests/sim/simulate.hpp.)
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;

TEST_CASE("invariants: a queue discipline that leaks ring slots fails the run naming the invariant", "[sim][invariants]") {
  Costs c;
  auto doc = generated_scenario("linux-6.12-vtd", 1, 2, c, nlohmann::json::array({0, 10, 20}));
  doc["models"] = {{"queue", "test-leaky-ring"}};
  try {
    simulate(doc);
    FAIL("the leak went unnoticed");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("ring-slots-all-free"));
  }
}

TEST_CASE("invariants: hold through time-outs, a removed device and abandoned retries", "[sim][invariants]") {
  Costs c;
  auto doc = generated_scenario("linux-6.9-vtd", 1, 3, c, nlohmann::json::array({0, 50, 100}));
  doc["duration_us"] = 400;
  doc["params"]["vtd"] = {{"ite_timeout_ns", 20000}};
  doc["topology"]["generate"]["device"]["stuck_from_us"] = 0;  // every device stops answering
  const Stats st = simulate(doc);  // throws if an invariant breaks
  CHECK(st.total.ats_inv_timeouts > 0);
}
