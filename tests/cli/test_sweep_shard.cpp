// `svasim sweep --shard I/N` and `svasim merge`: the shards of a sweep, merged, are the same bytes as the
// whole sweep run at once; a missing shard is named and `--resume` on the merged directory runs exactly
// its points; directories of another sweep or no sweep at all are refused.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "run_svasim.hpp"
#include "sweep_fixture.hpp"

using namespace svasim::cli_test;
using nlohmann::json;

TEST_CASE("shards merged equal the whole sweep byte for byte", "[cli][sweep][shard]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300, kNoTimeLimit, 2);  // 8 points
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "whole").string(), "-j", "2"}, tmp / "c").exit_code == 0);
  std::vector<std::string> merge{"merge", "-o", (tmp / "merged").string()};
  std::size_t points_in_shards = 0;
  for (int i = 0; i < 3; ++i) {
    const fs::path dir = tmp / ("shard" + std::to_string(i));
    const RunResult r = run_svasim({"sweep", spec.string(), "-o", dir.string(), "--shard", std::to_string(i) + "/3"}, tmp / "c");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("(shard " + std::to_string(i) + "/3 of 8)"));
    for (const auto& e : fs::directory_iterator(dir / "points")) {
      // Point k belongs to shard k mod 3.
      CHECK(std::stoi(e.path().stem().string().substr(1)) % 3 == i);
      ++points_in_shards;
    }
    CHECK(lines_of(dir / "results.jsonl").size() == (i < 2 ? 3u : 2u));  // its own points only
    merge.push_back(dir.string());
  }
  CHECK(points_in_shards == 8);
  const RunResult m = run_svasim(merge, tmp / "c");
  INFO(m.describe());
  REQUIRE(m.exit_code == 0);
  CHECK_THAT(m.err, Catch::Contains("8 ok, 0 failed or timed out, 0 missing"));
  const auto whole = tree_of(tmp / "whole"), merged = tree_of(tmp / "merged");
  CHECK(whole.size() == merged.size());
  for (const auto& [name, bytes] : whole) {
    INFO(name);
    REQUIRE(merged.count(name) == 1);
    CHECK(merged.at(name) == bytes);
  }
}

TEST_CASE("merge refuses a point file that does not read as results", "[cli][sweep][shard]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "s0").string(), "--shard", "0/2"}, tmp / "c").exit_code == 0);
  const fs::path point = tmp / "s0" / "points" / "p00002.json";
  json edited = json::parse(read_file(point));
  edited["latency"]["unmap"]["p99_ns"] = "fast";  // provenance intact, a field of the wrong type
  std::ofstream(point) << edited.dump(2);
  const RunResult m = run_svasim({"merge", "-o", (tmp / "m").string(), (tmp / "s0").string()}, tmp / "c");
  INFO(m.describe());
  CHECK(m.exit_code == 2);
  CHECK_THAT(m.err, Catch::Contains(point.string() + ": /latency/unmap/p99_ns: expected an unsigned integer, found a string"));
  CHECK_FALSE(fs::exists(tmp / "m"));
}

TEST_CASE("merge names the points of a missing shard and resume runs exactly those", "[cli][sweep][shard]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);  // 4 points
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "whole").string()}, tmp / "c").exit_code == 0);
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "s0").string(), "--shard", "0/2"}, tmp / "c").exit_code == 0);
  const RunResult m = run_svasim({"merge", "-o", (tmp / "merged").string(), (tmp / "s0").string()}, tmp / "c");
  INFO(m.describe());
  CHECK(m.exit_code == 1);
  CHECK_THAT(m.err, Catch::Contains("missing: p00001 p00003"));
  CHECK_THAT(m.err, Catch::Contains("--resume"));
  const auto csv = lines_of(tmp / "merged" / "results.csv");
  REQUIRE(csv.size() == 5);
  CHECK(cells(csv[1])[3] == "ok");
  CHECK(cells(csv[2])[3] == "missing");

  const RunResult r = run_svasim({"sweep", spec.string(), "-o", (tmp / "merged").string(), "--resume"}, tmp / "c");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("(2 already done)"));
  CHECK(tree_of(tmp / "merged") == tree_of(tmp / "whole"));
}

TEST_CASE("merge refuses directories of different sweeps and non-sweep directories", "[cli][sweep][shard]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "s0").string(), "--shard", "0/2"}, tmp / "c").exit_code == 0);
  // The same spec with another duration is another sweep: its points have other scenario hashes.
  fs::create_directories(tmp / "other");
  const fs::path other = write_sweep(tmp / "other", 400);
  REQUIRE(run_svasim({"sweep", other.string(), "-o", (tmp / "s1").string(), "--shard", "1/2"}, tmp / "c").exit_code == 0);
  const RunResult r = run_svasim({"merge", "-o", (tmp / "m").string(), (tmp / "s0").string(), (tmp / "s1").string()}, tmp / "c");
  INFO(r.describe());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains((tmp / "s1" / "sweep.json").string() + ": is another sweep"));
  CHECK_FALSE(fs::exists(tmp / "m"));

  const RunResult none = run_svasim({"merge", "-o", (tmp / "m").string(), tmp.path().string()}, tmp / "c");
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Catch::Contains("not a sweep directory"));
  std::ofstream(tmp / "s0" / "sweep.json") << "{\"format\": \"svasim-sweep\"}";
  const RunResult broken = run_svasim({"merge", "-o", (tmp / "m").string(), (tmp / "s0").string()}, tmp / "c");
  CHECK(broken.exit_code == 2);
  CHECK_THAT(broken.err, Catch::Contains((tmp / "s0" / "sweep.json").string() + ": /format_version: missing"));
  for (const char* bad : {"2/2", "0/0", "x", "1/", "-1/2"}) {
    const RunResult s = run_svasim({"sweep", spec.string(), "-o", (tmp / "x").string(), "--shard", bad}, tmp / "c");
    INFO(bad);
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err, Catch::Contains("--shard: expected I/N"));
  }
}

TEST_CASE("merge refuses hand-edited shard files before writing anything", "[cli][sweep][shard]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "s0").string(), "--shard", "0/2"}, tmp / "c").exit_code == 0);
  const std::string jsonl = read_file(tmp / "s0" / "results.jsonl");
  std::ofstream(tmp / "s0" / "results.jsonl") << jsonl << "{\"point\": \"p00001\", \"status\": 5}\n";
  const RunResult r = run_svasim({"merge", "-o", (tmp / "m").string(), (tmp / "s0").string()}, tmp / "c");
  INFO(r.describe());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains((tmp / "s0" / "results.jsonl").string() + ": line 3: /status: expected a string"));
  CHECK_FALSE(fs::exists(tmp / "m"));
  std::ofstream(tmp / "s0" / "results.jsonl") << jsonl;

  // A point id is a file name: nothing that leaves the directory.
  json manifest = json::parse(read_file(tmp / "s0" / "sweep.json"));
  manifest["points"][1]["id"] = "../../x";
  std::ofstream(tmp / "s0" / "sweep.json") << manifest.dump(2);
  const RunResult ids = run_svasim({"merge", "-o", (tmp / "m").string(), (tmp / "s0").string()}, tmp / "c");
  CHECK(ids.exit_code == 2);
  CHECK_THAT(ids.err, Catch::Contains("sweep.json: /points/1/id: expected letters, digits"));
  CHECK_FALSE(fs::exists(tmp / "m"));
}

TEST_CASE("a stored point the tables cannot read is run again on resume", "[cli][sweep][resume]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300);
  const fs::path out = tmp / "out";
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", out.string()}, tmp / "c").exit_code == 0);
  const std::string good = read_file(out / "points" / "p00002.json");
  json edited = json::parse(good);
  edited.erase("latency");  // provenance intact, what the tables read gone
  std::ofstream(out / "points" / "p00002.json") << edited.dump(2);
  const RunResult r = run_svasim({"sweep", spec.string(), "-o", out.string(), "--resume"}, tmp / "c");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("(3 already done)"));
  CHECK(read_file(out / "points" / "p00002.json") == good);
}
