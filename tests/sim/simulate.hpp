#pragma once
// Helpers for simulation tests. Each TEST_CASE runs at most one simulation: catch_discover_tests gives
// every case its own process, as SimGrid's one-engine-per-process rule requires.
#include <nlohmann/json.hpp>

#include <cmath>

#include "core/scenario.hpp"
#include "engine/simulation.hpp"

namespace svasim::test {

// Costs of the closed-form checks (ns); the scenario sets each explicitly so a change of default does
// not silently change what the tests mean.
struct Costs {
  double notifier = 100, submit = 300, desc_write = 10, poll = 20, iotlb = 300, issue = 50, wait = 100;
  double reg_read = 150, relax = 50;  // VT-d: each poll of a wait is a DMAR_FSTS_REG read and a cpu_relax()
  double ats = 3300, desc_bytes = 32, ats_bytes = 32;
  double cpu_lat = 100, cpu_bw = 32, dev_lat = 150, dev_bw = 16;  // ns, GB/s
  // Message times on idle links (CM02: latency + bytes / bandwidth).
  double to_iommu(double descs) const { return cpu_lat + descs * desc_bytes / cpu_bw; }
  double reply() const { return cpu_lat + 8 / cpu_bw; }
  double ats_round_trip() const { return 2 * (dev_lat + ats_bytes / dev_bw) + ats; }
  // CPU side of one submission of n descriptors plus a wait, to the moment the IOMMU has it.
  double post(double n) const { return submit + (n + 1) * desc_write + to_iommu(n + 1); }
  // From the wait's completion at the IOMMU to the CPU having seen it (SMMUv3, AMD).
  double observe() const { return wait + reply() + poll; }
  // VT-d qi_submit_sync(): the CPU's copies, then its spin from the tail write. It checks the status at
  // once and after each poll (reg_read + relax), so it sees it at the first check after it arrived, `d` ns
  // after the tail write. `work`: the IOMMU's time for the n descriptors.
  double cpu_post(double n) const { return submit + (n + 1) * desc_write; }
  double vtd_spin(double d) const { return std::ceil(d / (reg_read + relax)) * (reg_read + relax); }
  double vtd_submission(double n, double work) const {
    return cpu_post(n) + vtd_spin(to_iommu(n + 1) + work + wait + reply());
  }
};

inline nlohmann::json costs_params(const Costs& c) {
  return {{"cpu", {{"notifier_ns", c.notifier}, {"submit_ns", c.submit}, {"desc_write_ns", c.desc_write}, {"poll_ns", c.poll},
                   {"relax_ns", c.relax}}},
          {"vtd", {{"reg_read_ns", c.reg_read}}},
          {"iommu", {{"iotlb_inv_ns", c.iotlb}, {"devtlb_issue_ns", c.issue}, {"wait_ns", c.wait}}},
          {"device", {{"ats_inv_ns", c.ats}, {"ats_inv_jitter_ns", 0}}},
          {"queue", {{"desc_bytes", c.desc_bytes}}},
          {"pcie", {{"ats_msg_bytes", c.ats_bytes}}}};
}

// K IOMMUs x N ATS devices, one process bound to all, unmaps of `pages` pages at the given times (us).
inline nlohmann::json generated_scenario(const std::string& profile, int iommus, int devices_per_iommu,
                                         const Costs& c, nlohmann::json at_us = {0}, std::uint64_t pages = 1) {
  using nlohmann::json;
  return {{"name", "test"},
          {"seed", 7},
          {"duration_us", 1e6},
          {"profile", profile},
          {"params", costs_params(c)},
          {"topology",
           {{"generate",
             {{"iommus", iommus},
              {"devices_per_iommu", devices_per_iommu},
              {"cpu_cores", 4},
              {"device", {{"ats", true}}},
              {"cpu_link", {{"latency_ns", c.cpu_lat}, {"bandwidth_gbps", c.cpu_bw}}},
              {"device_link", {{"latency_ns", c.dev_lat}, {"bandwidth_gbps", c.dev_bw}}}}}}},
          {"processes", json::array({{{"name", "app"}, {"bind", "all"}}})},
          {"workload",
           {{"unmaps", json::array({{{"process", "app"}, {"cpu", 0}, {"arrival", {{"at_us", at_us}}},
                                     {"pages", pages}, {"start_page", 4096}}})}}}};
}

// The same unmaps issued by a second thread of the process, on CPU 1.
inline nlohmann::json with_second_thread(nlohmann::json doc) {
  nlohmann::json second = doc["workload"]["unmaps"][0];
  second["cpu"] = 1;
  doc["workload"]["unmaps"].push_back(second);
  return doc;
}

inline Stats simulate(const nlohmann::json& doc) {
  // Every simulation test also checks the end-of-run invariants (engine/invariants.hpp).
  return run_simulation(scenario_from_json(doc, "<test>"), {}, true);
}

}  // namespace svasim::test

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "core/results.hpp"

namespace svasim::test {

// Runs the scenario in a forked child (its own SimGrid engine) and returns its results document, so one
// TEST_CASE can compare several runs (the properties that hold across parameters). The parent must not
// have run a simulation itself.
inline nlohmann::json simulate_in_child(const nlohmann::json& doc) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    try {
      const Scenario s = scenario_from_json(doc, "<test>");
      const std::string out = make_results(s, run_simulation(s, {}, true)).dump();
      std::size_t at = 0;
      while (at < out.size()) {
        const ssize_t n = write(fds[1], out.data() + at, out.size() - at);
        if (n <= 0) break;
        at += static_cast<std::size_t>(n);
      }
    } catch (const std::exception& e) {
      const std::string msg = std::string("{\"error\":") + nlohmann::json(e.what()).dump() + "}";
      if (write(fds[1], msg.data(), msg.size()) < 0) code = 3;
      code = 1;
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const nlohmann::json j = nlohmann::json::parse(text);
  if (j.contains("error")) throw std::runtime_error("simulation failed: " + j["error"].get<std::string>());
  return j;
}

}  // namespace svasim::test
