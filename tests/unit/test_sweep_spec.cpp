// Sweep specs without running anything: grid expansion, zipped axes, ranges, seed derivation, errors.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "sweep/sweep_spec.hpp"

using namespace svasim;
using nlohmann::json;

TEST_CASE("sweep: the grid is the cartesian product with the first axis slowest", "[sweep]") {
  const json j = {{"base", "base.json"},
                  {"axes", json::array({{{"path", "profile"}, {"values", {"a", "b"}}},
                                        {{"path", "topology.generate.devices_per_iommu"}, {"range", {1, 3}}}})},
                  {"replications", 2}};
  const SweepSpec s = sweep_spec_from_json(j, "specs/x.json");
  CHECK(s.base == "specs/base.json");
  const auto points = expand(s, 7);
  REQUIRE(points.size() == 2 * 3 * 2);
  CHECK(points[0].id == "p00000");
  CHECK(points[0].sets[0].second == "a");
  CHECK(points[0].sets[1].second == 1);
  CHECK(points[0].replication == 0);
  CHECK(points[0].seed == 7);  // replication 0 keeps the scenario's seed
  CHECK(points[1].replication == 1);
  CHECK(points[1].seed != 7);
  CHECK(points[1].sets == points[0].sets);
  CHECK(points[2].sets[1].second == 2);
  CHECK(points[6].sets[0].second == "b");
  CHECK(points.back().sets[1].second == 3);
  // Distinct derived seeds, the same for every point of a replication.
  CHECK(points[3].seed == points[1].seed);
  CHECK(derive_seed(7, 1) != derive_seed(7, 2));
  CHECK(derive_seed(7, 1) == derive_seed(7, 1));
}

TEST_CASE("sweep: zipped axes vary together", "[sweep]") {
  const json j = {{"base", "/abs/base.json"},
                  {"axes", json::array({{{"zip", json::array({{{"path", "a"}, {"values", {1, 2, 4}}},
                                                              {{"path", "b"}, {"values", {4, 2, 1}}}})}}})}};
  const auto points = expand(sweep_spec_from_json(j, "x.json"), 1);
  REQUIRE(points.size() == 3);
  CHECK(points[1].sets == std::vector<std::pair<std::string, json>>{{"a", 2}, {"b", 2}});
  CHECK(points[2].sets[1].second == 1);
}

TEST_CASE("sweep: bad specs name the JSON path", "[sweep]") {
  auto path_of = [](const json& j) {
    try {
      sweep_spec_from_json(j, "x.json");
    } catch (const InputError& e) {
      return e.path();
    }
    return std::string("(no error)");
  };
  CHECK(path_of({{"axes", json::array({{{"path", "a"}, {"values", {1}}}})}}) == "/base");
  CHECK(path_of({{"base", "b"}, {"axes", json::array()}}) == "/axes");
  CHECK(path_of({{"base", "b"}, {"axes", json::array({json{{"path", "a"}}})}}) == "/axes/0");
  CHECK(path_of({{"base", "b"}, {"axes", json::array({{{"path", "a"}, {"range", {5, 1}}}})}}) == "/axes/0/range");
  CHECK(path_of({{"base", "b"}, {"axes", json::array({{{"path", "a"}, {"values", {1}}, {"vals", 2}}})}}) == "/axes/0/vals");
  CHECK(path_of({{"base", "b"}, {"axes", json::array({{{"zip", json::array({{{"path", "a"}, {"values", {1, 2}}},
                                                                             {{"path", "b"}, {"values", {1}}}})}}})}}) ==
        "/axes/0/zip/1");
  CHECK(path_of({{"base", "b"}, {"axes", json::array({{{"path", "a"}, {"values", {1}}}})}, {"replications", 0}}) ==
        "/replications");
  CHECK(path_of({{"base", "b"}, {"axes", json::array({{{"path", "a"}, {"values", {1}}}})}, {"typo", 1}}) == "/typo");
}

TEST_CASE("sweep: ranges near the limits of doubles terminate or are refused; grids are bounded", "[sweep][hardening]") {
  auto spec = [](json axes, int replications = 1) {
    return json{{"base", "b.json"}, {"axes", std::move(axes)}, {"replications", replications}};
  };
  auto path_of = [](const json& j) {
    try {
      sweep_spec_from_json(j, "s.json");
    } catch (const InputError& e) {
      return e.path();
    }
    return std::string("no error");
  };
  // x += step never changed x here: the expansion used to loop for ever.
  const SweepSpec one = sweep_spec_from_json(spec(json::array({{{"path", "duration_us"}, {"range", {1e17, 1e17}}}})), "s.json");
  CHECK(one.axes.front().size() == 1);
  CHECK(path_of(spec(json::array({{{"path", "duration_us"}, {"range", {1e17, 1e17 + 64, 1}}}}))) == "/axes/0/range");
  // Four axes of 65,536 values overflowed the grid size to 0; three of 100,000 ran out of memory.
  json four = json::array(), three = json::array();
  for (int i = 0; i < 4; ++i) four.push_back({{"path", "a" + std::to_string(i)}, {"range", {1, 65536}}});
  for (int i = 0; i < 3; ++i) three.push_back({{"path", "a" + std::to_string(i)}, {"range", {1, 100000}}});
  CHECK(path_of(spec(four)) == "/axes");
  CHECK(path_of(spec(three)) == "/axes");
  json big = json::array({{{"path", "a"}, {"range", {1, 1000}}}, {{"path", "b"}, {"range", {1, 1000}}}});
  CHECK(path_of(spec(big, 1)) == "no error");   // 10^6 points: the documented limit
  CHECK(path_of(spec(big, 2)) == "/axes");      // twice that with replications
  CHECK(path_of(json{{"base", "b.json"}, {"axes", json::array({{{"path", "a"}, {"values", {1}}}})},
                     {"replications", 10000000000LL}}) == "/replications");
}
