// The pure parts of the sweep backends: shard syntax, shards partitioning the points, and the manifest
// (sweep.json) that `svasim merge` rebuilds a plan from.
#include <catch2/catch.hpp>

#include "sweep/sweep_plan.hpp"
#include "core/run_results.hpp"
#include "core/error.hpp"

#include <filesystem>

using namespace svasim;
using nlohmann::json;

TEST_CASE("shard syntax is I/N with I below N", "[sweep][shard]") {
  REQUIRE(parse_shard("0/1"));
  CHECK(parse_shard("3/8")->index == 3);
  CHECK(parse_shard("3/8")->count == 8);
  for (const char* bad : {"", "1", "/2", "2/", "2/2", "0/0", "-1/2", "a/2", "1/b", "1/2/3", "1 /2", "9999999/10000000"})
    CHECK_FALSE(parse_shard(bad));
}

TEST_CASE("the shards of a sweep hold every point exactly once", "[sweep][shard]") {
  for (int count : {1, 2, 3, 7}) {
    std::vector<int> owners(100, 0);
    for (int i = 0; i < count; ++i)
      for (std::size_t k = 0; k < owners.size(); ++k) owners[k] += Shard{i, count}.owns(k) ? 1 : 0;
    CHECK(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }));
  }
  // Interleaved: consecutive points (the costly end of an axis) go to different shards.
  CHECK(Shard{0, 2}.owns(0));
  CHECK(Shard{1, 2}.owns(1));
}

TEST_CASE("a plan rebuilt from its manifest writes the same manifest", "[sweep][merge]") {
  const json spec = {{"base", "base.json"},
                     {"axes", json::array({{{"path", "profile"}, {"values", {"linux-6.9-vtd", "linux-6.12-vtd"}}},
                                           {{"path", "topology.generate.devices_per_iommu"}, {"values", {2, 8}}}})},
                     {"replications", 2}};
  SweepPlan plan;
  plan.spec = sweep_spec_from_json(spec, "sweeps/s.json");
  plan.axis_paths = {"profile", "topology.generate.devices_per_iommu"};
  plan.commit = "abc123";
  plan.shard = {1, 3};
  for (const SweepPoint& p : expand(plan.spec, 42)) plan.all.push_back({p, "fnv1a64:" + p.id, PointState::pending, {}});
  const json m = sweep_manifest(plan);
  CHECK(m["shard"] == json({{"index", 1}, {"count", 3}}));
  CHECK(m["points"].size() == 8);
  const SweepPlan back = plan_from_manifest(m);
  CHECK(sweep_manifest(back) == m);
  CHECK(back.all[5].point.sets == plan.all[5].point.sets);
  CHECK(back.all[5].point.seed == plan.all[5].point.seed);
  CHECK(back.mine() == std::vector<std::size_t>{1, 4, 7});

  json broken = m;
  broken["points"][3].erase("seed");
  try {
    plan_from_manifest(broken);
    FAIL("a point without a seed was accepted");
  } catch (const InputError& e) {
    CHECK(e.path() == "/points/3");
  }
  broken = m;
  broken["format_version"] = 99;
  CHECK_THROWS_AS(plan_from_manifest(broken), InputError);
}

TEST_CASE("stored results count only with this build's provenance and what the tables read", "[sweep][resume]") {
  RunResults stored;
  stored.provenance.commit = "c1";
  stored.provenance.scenario_hash = "h";
  stored.provenance.seed = 7;
  json doc = stored.to_json();
  const std::string r = doc.dump();
  CHECK(results_current(r, "c1", "h", 7));
  CHECK_FALSE(results_current(r, "c2", "h", 7));
  CHECK_FALSE(results_current(r, "c1", "other", 7));
  CHECK_FALSE(results_current(r, "c1", "h", 8));
  CHECK_FALSE(results_current(r.substr(0, r.size() / 2), "c1", "h", 7));  // half a file
  doc["latency"]["unmap"].erase("p99_ns");
  CHECK_FALSE(results_current(doc.dump(), "c1", "h", 7));
  doc = stored.to_json();
  doc["counters"]["dma_completed"] = "0";
  CHECK_FALSE(results_current(doc.dump(), "c1", "h", 7));
  doc = stored.to_json();
  doc["format_version"] = kResultsFormatVersion - 1;  // an older build's file: run again
  CHECK_FALSE(results_current(doc.dump(), "c1", "h", 7));
}

TEST_CASE("every shipped sweep spec plans with every point a valid scenario", "[sweep]") {
  std::size_t specs = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SVASIM_SOURCE_DIR) + "/scenarios/sweeps")) {
    INFO(e.path().string());
    const auto plan = plan_sweep(e.path().string(), Shard{});
    REQUIRE(plan);
    CHECK(plan->all.size() >= 12);
    ++specs;
  }
  CHECK(specs >= 3);
}
