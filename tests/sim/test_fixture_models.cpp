// Models added without touching the engine (tests/fixtures/: one new file each, one registration line
// inside it) run end to end: a profile, a queue discipline and an environment.
#include <catch2/catch.hpp>

#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;

TEST_CASE("fixtures: a new profile runs; 6.12 with batches of one submits per tag as 6.10 does", "[sim][fixture]") {
  Costs c;
  const Stats st = simulate(generated_scenario("test-linux-6.12-vtd-unbatched", 2, 3, c));
  REQUIRE(st.unmaps == 1);
  CHECK(st.total.invalidation_waits == 2 + 6);  // K + sum(ATS), as linux-6.10-vtd
  CHECK(st.total.submissions == 8);
}

TEST_CASE("fixtures: a new queue discipline and a new environment run", "[sim][fixture]") {
  Costs c;
  auto doc = generated_scenario("linux-6.12-vtd", 1, 4, c, nlohmann::json::array({0, 0}));
  doc["workload"]["unmaps"].push_back(doc["workload"]["unmaps"][0]);
  doc["workload"]["unmaps"][1]["cpu"] = 1;  // two CPUs flushing at once
  doc["models"] = {{"queue", "test-big-lock"}};
  doc["environment"] = "test-guest-free-exits";
  const Stats st = simulate(doc);
  REQUIRE(st.unmaps == 4);
  CHECK(st.total.vm_exits == st.total.submissions);
  CHECK(st.total.submissions == 4);  // one qi_batch submission per unmap
  std::uint64_t ats = 0;
  for (const auto& d : st.per_device) ats += d.ats_inv_requests;
  CHECK(ats == 0);  // the fixture environment emulates: no physical ATS traffic
}
