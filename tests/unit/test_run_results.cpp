// The results contract: what make_results writes reads back as the same bytes, and a file with a field
// missing, of the wrong type or of another format version is refused with the field's JSON Pointer.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/results.hpp"

using namespace svasim;
using nlohmann::json;

namespace {

// A run's worth of numbers on a shipped scenario (4 devices, 1 IOMMU): every block filled, so a field
// the reader drops or retypes changes the bytes.
json sample_results() {
  const Scenario s = load_scenario(std::string(SVASIM_SOURCE_DIR) + "/scenarios/seed-4dev-1iommu.json");
  Stats st;
  st.unmaps = 3;
  st.total.iotlb_invalidations = 12;
  st.total.queue_lock_wait_ns = 1234.5;
  st.dma.dma_requests = 7;
  st.binds = 2;
  st.domain_free_wait_ns = 0.25;
  st.simulated_ns = 253000.75;
  for (std::uint64_t v : {100u, 2000u, 30000u}) st.unmap_latency.record(v);
  st.dma_latency.record(640);
  st.per_iommu.resize(s.topology.iommus().size());
  st.per_iommu[0].descriptors = 5;
  st.per_device.resize(s.topology.devices().size());
  st.per_device[1].ats_inv_requests = 4;
  st.per_device[1].dma.dma_bytes = 4096;
  st.per_device[1].first_issue_ns = 10;
  st.per_device[1].last_completion_ns = 110;
  st.live_domains.start(1e6);
  st.live_domains.set(5e5, 2);
  st.live_domains.finish(1e6);
  return make_results(s, st);
}

// The JSON Pointer of the InputError `j` raises ("" is the document), "(accepted)" if none.
std::string refused_at(const json& j) {
  try {
    RunResults::from_json(j, "r.json");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("r.json: " + (e.path().empty() ? "(document)" : e.path()) + ": "));
    return e.path();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("results: make_results -> from_json -> to_json gives the same bytes", "[results]") {
  const json written = sample_results();
  CHECK(written.at("format_version") == kResultsFormatVersion);
  CHECK(written.at("scenario").at("queue_model").is_string());
  CHECK(written.at("counters").at("unmaps").is_number_unsigned());
  CHECK(written.at("counters").at("queue_lock_wait_ns").is_number_float());
  const RunResults r = RunResults::from_json(written, "r.json");
  CHECK(r.counters.unmaps == 3);
  CHECK(r.latency.unmap.count == 3);
  CHECK(r.per_device.size() == 4);
  CHECK(r.timelines.live_domains.size() == Timeline::kBuckets);
  CHECK(r.to_json().dump(2) == written.dump(2));
  // A run with SimGrid flags carries them, and they read back too.
  RunResults flagged = r;
  flagged.provenance.simgrid_args = {"--cfg=network/model:CM02"};
  const json f = flagged.to_json();
  CHECK(f.at("provenance").at("simgrid_args") == json::array({"--cfg=network/model:CM02"}));
  CHECK(RunResults::from_json(f, "r.json").to_json().dump(2) == f.dump(2));
}

TEST_CASE("results: a missing field is an error at its JSON path, never a 0", "[results]") {
  const json good = sample_results();
  json j = good;
  j["counters"].erase("unmaps");
  CHECK(refused_at(j) == "/counters/unmaps");
  j = good;
  j["latency"]["dma"].erase("p99_ns");
  CHECK(refused_at(j) == "/latency/dma/p99_ns");
  j = good;
  const std::string dev = j["per_device"].begin().key();
  j["per_device"][dev]["counters"].erase("atc_hits");
  CHECK(refused_at(j) == "/per_device/" + dev + "/counters/atc_hits");
  j = good;
  j["scenario"].erase("queue_model");
  CHECK(refused_at(j) == "/scenario/queue_model");
  j = good;
  j.erase("timelines");
  CHECK(refused_at(j) == "/timelines");
}

TEST_CASE("results: a field of the wrong type is an error at its JSON path", "[results]") {
  const json good = sample_results();
  json j = good;
  j["counters"]["unmaps"] = "3";
  CHECK(refused_at(j) == "/counters/unmaps");
  j = good;
  j["counters"]["dma_completed"] = -1;  // a counter is never negative
  CHECK(refused_at(j) == "/counters/dma_completed");
  j = good;
  j["counters"]["page_faults"] = 1.5;
  CHECK(refused_at(j) == "/counters/page_faults");
  j = good;
  j["scenario"]["environment"] = 0;
  CHECK(refused_at(j) == "/scenario/environment");
  j = good;
  j["timelines"]["live_pasids"][3]["mean"] = nullptr;
  CHECK(refused_at(j) == "/timelines/live_pasids/3/mean");
  j = good;
  j["latency"] = json::array();
  CHECK(refused_at(j) == "/latency");
  // Doubles accept any number: a hand-written 0 is still a time.
  j = good;
  j["counters"]["queue_lock_wait_ns"] = 0;
  CHECK(refused_at(j) == "(accepted)");
}

TEST_CASE("results: another format or format version is refused as a whole", "[results]") {
  const json good = sample_results();
  json j = good;
  j["format_version"] = kResultsFormatVersion - 1;
  CHECK(refused_at(j) == "/format_version");
  j["format_version"] = kResultsFormatVersion + 1;
  CHECK(refused_at(j) == "/format_version");
  j = good;
  j.erase("format_version");
  CHECK(refused_at(j) == "/format_version");
  j = good;
  j["format"] = "svasim-sweep";
  CHECK(refused_at(j) == "/format");
  CHECK(refused_at(json::array()) == "");
  // Nested in a results.jsonl line, the pointers start at the line.
  try {
    RunResults::from_json(j, "results.jsonl: line 2", "/results");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(e.path() == "/results/format");
    CHECK_THAT(e.what(), Catch::StartsWith("results.jsonl: line 2: /results/format: not an svasim results file"));
  }
}

TEST_CASE("results: histograms whose bucket arrays disagree are refused at their JSON path", "[results]") {
  const json good = sample_results();
  REQUIRE(good["histograms"]["unmap"]["count"].size() == 3);
  CHECK(refused_at(good) == "(accepted)");
  json j = good;
  j["histograms"]["unmap"]["lo_ns"] = json::array();  // the readers index the three arrays together
  CHECK(refused_at(j) == "/histograms/unmap");
  j = good;
  j["histograms"]["unmap"]["hi_ns"].push_back(1u << 30);
  CHECK(refused_at(j) == "/histograms/unmap");
  j = good;
  std::swap(j["histograms"]["unmap"]["lo_ns"][0], j["histograms"]["unmap"]["lo_ns"][1]);
  CHECK(refused_at(j).rfind("/histograms/unmap/lo_ns/", 0) == 0);
}
