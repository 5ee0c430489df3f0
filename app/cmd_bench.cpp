// `svasim bench`: how fast svasim simulates, next to the floor a raw SimGrid loop sets on this machine.
// Each measurement is its own process (one SimGrid engine per process); figures are printed, never
// asserted.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "sweep/child_process.hpp"
#include "app/commands.hpp"
#include "engine/raw_floor.hpp"
#include "engine/simulation.hpp"

namespace svasim {

using nlohmann::json;

namespace {

long max_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The seed shape (one IOMMU, ATS devices, 1-page unmaps) under the profile with the most submissions.
json bench_scenario(std::uint64_t unmaps, int devices) {
  return {{"name", "bench"},
          {"seed", 1},
          {"duration_us", 1e9},
          {"profile", "linux-6.9-vtd"},
          {"topology", {{"generate", {{"iommus", 1}, {"devices_per_iommu", devices}, {"device", {{"ats", true}}}}}}},
          {"processes", json::array({{{"name", "app"}, {"bind", "all"}}})},
          {"workload", {{"unmaps", json::array({{{"process", "app"}, {"arrival", {{"periodic_us", 10}}}, {"count", unmaps}}})}}}};
}

// Saturating DMA: `devices` ATS devices over IOMMUs of 16, each keeping `queue_depth` requests of
// `request_bytes` in flight over `working_set_pages` of a 64 MiB buffer, for `duration_us`; single-page
// unmaps (touched again 10 us later) run beside it.
json dma_scenario(int devices, std::uint64_t request_bytes, int queue_depth, std::uint64_t working_set_pages, double duration_us,
                  int atc_entries) {
  const int iommus = (devices + 15) / 16;
  return {{"name", "bench-dma"},
          {"params", {{"device", {{"atc_entries", atc_entries}}}}},
          {"seed", 1},
          {"duration_us", duration_us},
          {"profile", "linux-6.12-vtd"},
          {"topology", {{"generate", {{"iommus", iommus}, {"devices_per_iommu", (devices + iommus - 1) / iommus},
                                      {"cpu_cores", 2}, {"device", {{"ats", true}, {"pri", true}}}}}}},
          {"processes", json::array({{{"name", "app"}, {"bind", "all"}, {"memory", {{"pages", 16384}}}}})},
          {"workload",
           {{"unmaps", json::array({{{"process", "app"}, {"arrival", {{"poisson_per_ms", 2}}}, {"pages", 1}, {"retouch_after_us", 10}}})},
            {"dma", json::array({{{"devices", "all"}, {"process", "app"}, {"request_bytes", request_bytes},
                                  {"queue_depth", queue_depth},
                                  {"pattern", {{"kind", "uniform"}, {"working_set_pages", working_set_pages}}}}})}}}};
}

int phase_dma(int devices, std::uint64_t request_bytes, int queue_depth, std::uint64_t working_set_pages, double duration_us,
              int atc_entries = 64) {
  const Scenario s = scenario_from_json(
      dma_scenario(devices, request_bytes, queue_depth, working_set_pages, duration_us, atc_entries), "<bench-dma>");
  const auto t0 = std::chrono::steady_clock::now();
  const Stats st = run_simulation(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << json{{"wall_s", wall},
                    {"translations", st.dma.page_translations},
                    {"requests", st.dma.dma_completed},
                    {"atc_hit_rate", static_cast<double>(st.dma.atc_hits) / static_cast<double>(std::max<std::uint64_t>(1, st.dma.atc_hits + st.dma.atc_misses))},
                    {"activities", st.sim_activities},
                    {"max_rss_kb", max_rss_kb()}}
                   .dump()
            << "\n";
  return kExitOk;
}

int phase_svasim(std::uint64_t unmaps, int devices) {
  const Scenario s = scenario_from_json(bench_scenario(unmaps, devices), "<bench>");
  const auto t0 = std::chrono::steady_clock::now();
  const Stats st = run_simulation(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& c = st.total;
  std::cout << json{{"wall_s", wall},
                    {"activities", st.sim_activities},
                    {"comms", st.sim_comms},
                    {"invalidation_events", c.iotlb_invalidations + c.devtlb_invalidations + c.invalidation_waits},
                    {"unmaps", st.unmaps},
                    {"max_rss_kb", max_rss_kb()}}
                   .dump()
            << "\n";
  return kExitOk;
}

// The floor: the same number of sleeps and detached transfers between two hosts, nothing else.
int phase_raw(std::uint64_t sleeps, std::uint64_t comms) {
  const double wall = run_raw_simgrid_floor(sleeps, comms);
  std::cout << json{{"wall_s", wall}, {"activities", sleeps + comms}, {"max_rss_kb", max_rss_kb()}}.dump() << "\n";
  return kExitOk;
}

json child_json(const std::vector<std::string>& args) {
  const ChildResult c = run_self(args, true);
  if (c.exit_code != 0) throw std::runtime_error("bench child failed: svasim bench " + args[2]);
  return json::parse(c.out);
}

}  // namespace

int cmd_bench(const std::string& phase, std::uint64_t unmaps, int devices, std::uint64_t sleeps, std::uint64_t comms) {
  if (phase == "svasim") return phase_svasim(unmaps, devices);
  if (phase == "raw") return phase_raw(sleeps, comms);
  // Hot: GPU-like devices (512-entry ATC) reusing a 1 MiB buffer: translation is the inline hit path.
  // Cold: a 64 MiB working set far beyond ATC and IOTLB, nearly every page walked.
  if (phase == "dma") return phase_dma(4, 1024 * 1024, 2, 256, 500000, 512);
  if (phase == "dma-cold") return phase_dma(4, 256 * 1024, 2, 16384, 100000);
  if (phase == "dma64") return phase_dma(64, 4096, 16, 16384, 10000);

  const std::string u = std::to_string(unmaps), d = std::to_string(devices);
  const json sv = child_json({"bench", "--phase", "svasim", "--unmaps", u, "--devices", d});
  const std::uint64_t acts = sv["activities"], cms = sv["comms"];
  const json raw = child_json({"bench", "--phase", "raw", "--sleeps", std::to_string(acts - cms), "--comms", std::to_string(cms)});
  const json longer = child_json({"bench", "--phase", "svasim", "--unmaps", std::to_string(unmaps * 10), "--devices", d});

  const double sv_rate = sv["activities"].get<double>() / sv["wall_s"].get<double>();
  const double raw_rate = raw["activities"].get<double>() / raw["wall_s"].get<double>();
  std::printf("svasim bench: seed shape (1 IOMMU, %d ATS devices, linux-6.9-vtd), %llu unmaps\n", devices,
              static_cast<unsigned long long>(unmaps));
  std::printf("  svasim      %10.0f invalidation events/s   %10.0f SimGrid activities/s  (%llu activities, %.3f s)\n",
              sv["invalidation_events"].get<double>() / sv["wall_s"].get<double>(), sv_rate,
              static_cast<unsigned long long>(acts), sv["wall_s"].get<double>());
  std::printf("  raw SimGrid                                 %10.0f activities/s          (same mix, %.3f s)\n", raw_rate,
              raw["wall_s"].get<double>());
  std::printf("  overhead    %.2fx the raw floor per activity (target <= 2x)\n", raw_rate / sv_rate);
  std::printf("  memory      max RSS %ld KiB at %llu unmaps, %ld KiB at %llu unmaps (10x the simulated time)\n",
              sv["max_rss_kb"].get<long>(), static_cast<unsigned long long>(unmaps), longer["max_rss_kb"].get<long>(),
              static_cast<unsigned long long>(unmaps * 10));

  for (const char* p : {"dma", "dma-cold"}) {
    const json dma = child_json({"bench", "--phase", p});
    std::printf("  %-11s %10.1f M page translations/s (4 ATS devices, %s ATC hit rate %.1f %%, %llu translations in %.3f s; target >= 20 M/s)\n",
                std::string(p) == "dma" ? "DMA hot" : "DMA cold", dma["translations"].get<double>() / dma["wall_s"].get<double>() / 1e6,
                std::string(p) == "dma" ? "1 MiB requests, 512-entry ATC," : "256 KiB requests, 64-entry ATC,", 100 * dma["atc_hit_rate"].get<double>(), static_cast<unsigned long long>(dma["translations"].get<std::uint64_t>()),
                dma["wall_s"].get<double>());
  }
  const json dma64 = child_json({"bench", "--phase", "dma64"});
  std::printf("  DMA x64     64 ATS devices saturating 4 KiB DMA for 10 ms simulated: %.2f s wall (target < 60 s), %llu requests, %ld KiB max RSS\n",
              dma64["wall_s"].get<double>(), static_cast<unsigned long long>(dma64["requests"].get<std::uint64_t>()),
              dma64["max_rss_kb"].get<long>());
  return kExitOk;
}

}  // namespace svasim
