// The estimate of what a scenario costs before it runs (core/footprint.cpp): closed forms of the work
// bounds and the thresholds that turn them into a warning or a refusal.
#include <catch2/catch.hpp>
#include <fstream>

#include "core/footprint.hpp"
#include "core/scenario.hpp"
#include "unit_helpers.hpp"

using namespace svasim;
using svasim::test::seed_doc;
using nlohmann::json;

namespace {

Footprint estimate(json doc) { return estimate_footprint(scenario_from_json(std::move(doc), "seed.json", {})); }

json with_dma(json doc, json stream) {
  doc["workload"]["dma"] = json::array({std::move(stream)});
  return doc;
}

}  // namespace

TEST_CASE("footprint: unmaps are arrival rate times the time left, or the count or times given", "[footprint]") {
  json doc = seed_doc();  // two Poisson streams of 10 per ms over 10 ms
  CHECK(estimate(doc).unmaps == Approx(2 * 10 * 10));
  doc["workload"]["unmaps"][0]["count"] = 7;
  CHECK(estimate(doc).unmaps == Approx(7 + 100));
  doc["workload"]["unmaps"][1]["arrival"] = {{"periodic_us", 250}, {"start_us", 5000}};
  CHECK(estimate(doc).unmaps == Approx(7 + 5000.0 / 250));
  doc["workload"]["unmaps"][1]["arrival"] = {{"at_us", {1, 2, 3}}};
  CHECK(estimate(doc).unmaps == Approx(7 + 3));
}

TEST_CASE("footprint: DMA requests are bounded per device by the rate or the queue depth over a memory access",
          "[footprint]") {
  const json base = seed_doc();
  const double duration_ns = 10e6;
  SECTION("open loop: rate x time x devices") {
    const Footprint f = estimate(with_dma(base, {{"process", "app"}, {"devices", "all"}, {"rate_per_us", 2}}));
    CHECK(f.dma_requests == Approx(4 * 2e-3 * duration_ns));
  }
  SECTION("closed loop: queue depth over dma.memory_ns, so a real run never exceeds it") {
    json doc = with_dma(base, {{"process", "app"}, {"devices", {"dsa0"}}, {"queue_depth", 8}});
    doc["params"]["dma"] = {{"memory_ns", 100}};
    const Footprint f = estimate(doc);
    CHECK(f.dma_requests == Approx(8 * duration_ns / 100));
    doc["params"]["dma"]["memory_ns"] = 200;
    CHECK(estimate(doc).dma_requests == Approx(f.dma_requests / 2));
  }
  SECTION("a count caps each device") {
    const Footprint f =
        estimate(with_dma(base, {{"process", "app"}, {"devices", "all"}, {"rate_per_us", 2}, {"count", 5}}));
    CHECK(f.dma_requests == Approx(4 * 5));
  }
}

TEST_CASE("footprint: the work grows with the duration and a large one is warned about, not refused", "[footprint]") {
  json doc = seed_doc();
  const Footprint small = estimate(doc);
  CHECK(footprint_warning(small).empty());
  CHECK(small.total() < kWarnFootprintBytes);
  doc["duration_us"] = 1e7;  // 10^4 ms of two streams at 10^4 per ms: 2 * 10^8 unmaps
  for (auto& u : doc["workload"]["unmaps"]) u["arrival"]["poisson_per_ms"] = 1e4;
  const Footprint big = estimate(doc);
  CHECK(big.work() > small.work());
  CHECK(big.unmaps == Approx(2e8));
  CHECK_THAT(footprint_warning(big), Catch::Contains("200.0 M unmaps"));
  CHECK(big.total() < kMaxFootprintBytes);
}
