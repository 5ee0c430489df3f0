// Properties of the DMA timing that hold for any parameters (issue 13): each case draws parameter sets
// from a seeded generator, runs every variant in its own process (simulate_in_child) and checks a shape,
// never a tuned value. Throughput is the flow's bytes over its measured window (warm-up excluded).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "models/hw/pcie_tlp.hpp"
#include "simulate.hpp"

using namespace svasim;
using namespace svasim::test;
using nlohmann::json;

namespace {

struct Draw {
  std::string platform;
  int queue_depth;
  std::uint64_t request_bytes;
  double read_fraction;
  bool ats;
  int walkers;
};

Draw draw(std::mt19937_64& rng) {
  const char* platforms[] = {"intel-skylake-sp", "intel-icelake-sp", "amd-epyc-rome", "arm-neoverse-n1-smmuv3"};
  const int depths[] = {1, 4, 16, 64};
  const std::uint64_t sizes[] = {64, 256, 1024, 4096};
  const int walkers[] = {1, 2, 8, 32};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  return {platforms[pick(4)], depths[pick(4)], sizes[pick(4)], pick(2) ? 1.0 : 0.5, pick(3) == 0, walkers[pick(4)]};
}

// One device on a link of the platform's generation, random accesses over `window_pages` 4 KiB pages.
json microbench(const Draw& d, std::uint64_t window_pages, int page_kib = 4) {
  return {{"name", "dma-property"},
          {"seed", 11},
          {"duration_us", 60},
          {"warmup_us", 20},
          {"profile", "linux-6.12-vtd"},
          {"platform", d.platform},
          {"params", {{"iommu", {{"walkers", d.walkers}}}, {"device", {{"atc_entries", 32}}}}},
          {"topology",
           {{"nodes", json::array({{{"name", "cpu0"}, {"kind", "cpu"}, {"cores", 2}},
                                   {{"name", "dmar0"}, {"kind", "iommu"}},
                                   {{"name", "nic0"}, {"kind", "device"}, {"ats", d.ats}, {"pri", false}}})},
            {"links", json::array({{{"from", "cpu0"}, {"to", "dmar0"}}, {{"from", "dmar0"}, {"to", "nic0"}}})}}},
          {"processes", json::array({{{"name", "app"}, {"bind", "all"}, {"memory", {{"pages", 262144}, {"page_size_kib", page_kib}}}}})},
          {"workload",
           {{"dma", json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", d.request_bytes},
                                  {"read_fraction", d.read_fraction}, {"queue_depth", d.queue_depth},
                                  {"pattern", {{"kind", "uniform"}, {"working_set_pages", window_pages}}}}})}}}};
}

double throughput(const json& r) { return r["per_flow"][0]["throughput_bytes_per_s"].get<double>(); }
// IOTLB misses per page translated (the count itself falls with the requests a slower run completes).
double miss_rate(const json& r) {
  const json& c = r["counters"];
  const double translations = c["iotlb_hits"].get<double>() + c["iotlb_misses"].get<double>();
  return translations > 0 ? c["iotlb_misses"].get<double>() / translations : 0.0;
}

std::string describe(const Draw& d) {
  return d.platform + " qd " + std::to_string(d.queue_depth) + " bytes " + std::to_string(d.request_bytes) + " reads " +
         std::to_string(d.read_fraction) + (d.ats ? " ats" : " no-ats") + " walkers " + std::to_string(d.walkers);
}

// Same seed, same addresses: a variant can differ only through timing, so "never more" holds up to the
// few requests at the window's edges (1 %).
constexpr double kSlack = 1.01;

}  // namespace

TEST_CASE("dma property: a smaller IOTLB (more misses) never raises throughput", "[sim][dma][property]") {
  std::mt19937_64 rng(1301);
  for (int trial = 0; trial < 4; ++trial) {
    const Draw d = draw(rng);
    INFO(describe(d));
    double last_tp = 0, last_misses = -1;
    for (int entries : {1024, 256, 64, 16, 0}) {  // each step can only add misses (LRU's inclusion property)
      json doc = microbench(d, 2048);
      doc["params"]["iommu"]["iotlb_entries"] = entries;
      doc["params"]["iommu"]["iotlb_ways"] = entries == 0 ? 1 : 4;
      const json r = simulate_in_child(doc);
      INFO("iotlb entries " << entries);
      if (last_misses >= 0) {
        CHECK(miss_rate(r) >= last_misses - 0.01);
        CHECK(throughput(r) <= last_tp * kSlack);
      }
      last_tp = throughput(r);
      last_misses = miss_rate(r);
    }
  }
}

TEST_CASE("dma property: bigger pages never lower throughput", "[sim][dma][property]") {
  std::mt19937_64 rng(1302);
  for (int trial = 0; trial < 4; ++trial) {
    const Draw d = draw(rng);
    INFO(describe(d));
    double last = 0;
    for (int kib : {4, 2048, 1048576}) {
      const json r = simulate_in_child(microbench(d, 16384, kib));
      INFO("page KiB " << kib);
      CHECK(throughput(r) * kSlack >= last);
      last = throughput(r);
    }
  }
}

TEST_CASE("dma property: throughput never rises as the window grows", "[sim][dma][property]") {
  std::mt19937_64 rng(1303);
  for (int trial = 0; trial < 4; ++trial) {
    const Draw d = draw(rng);
    INFO(describe(d));
    double last = 1e300;
    for (std::uint64_t pages : {4, 64, 512, 4096, 65536}) {  // 16 KiB .. 256 MiB
      const json r = simulate_in_child(microbench(d, pages));
      INFO("window pages " << pages);
      CHECK(throughput(r) <= last * kSlack);
      last = throughput(r);
    }
  }
}

TEST_CASE("dma property: a link-bound stream moves what the TLP arithmetic lets through", "[sim][dma][property]") {
  // Deep enough to keep the link busy, with every translation a hit: reads get read_bandwidth(), writes
  // write_bandwidth() of the link, for each payload size and link width.
  for (const char* platform : {"intel-skylake-sp", "amd-epyc-rome"}) {
    for (std::uint64_t bytes : {256, 4096}) {
      for (double reads : {1.0, 0.0}) {
        Draw d{platform, 256, bytes, reads, true, 8};
        INFO(describe(d));
        const json r = simulate_in_child(microbench(d, 8));
        const int gen = static_cast<int>(r["params"]["pcie.gen"].get<double>()), lanes = static_cast<int>(r["params"]["pcie.lanes"].get<double>());
        const TlpCosts c;
        const double link = pcie_link_bytes_per_ns(gen, lanes);
        const double expect = (reads > 0 ? read_bandwidth(c, link, lanes, bytes, false) : write_bandwidth(c, link, lanes, bytes, false)) * 1e9;
        CHECK(throughput(r) == Approx(expect).epsilon(0.01));
      }
    }
  }
}
