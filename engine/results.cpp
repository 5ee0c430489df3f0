#include "engine/results.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "engine/error.hpp"
#include "svasim/version.hpp"

#include <unistd.h>

namespace svasim {

using nlohmann::json;

namespace {

json counters_json(const QueueCounters& c) {
  return {{"submissions", c.submissions},
          {"descriptors", c.descriptors},
          {"iotlb_invalidations", c.iotlb_invalidations},
          {"devtlb_invalidations", c.devtlb_invalidations},
          {"invalidation_waits", c.invalidation_waits},
          {"queue_lock_wait_ns", c.queue_lock_wait_ns},
          {"ats_inv_timeouts", c.ats_inv_timeouts},
          {"resubmissions", c.resubmissions},
          {"invalidations_failed", c.invalidations_failed},
          {"invalidations_abandoned", c.invalidations_abandoned},
          {"ring_full_waits", c.ring_full_waits},
          {"ring_wait_ns", c.ring_wait_ns},
          {"vm_exits", c.vm_exits},
          {"vm_exit_ns", c.vm_exit_ns}};
}

// Bytes moved over the device's active period (first request issued to last completion).
double throughput(const DeviceStats& d) {
  const double span = d.last_completion_ns - d.first_issue_ns;
  return d.first_issue_ns >= 0 && span > 0 ? static_cast<double>(d.dma.dma_bytes) / (span * 1e-9) : 0.0;
}

json translation_json(const TranslationCounters& t) {
  return {{"page_translations", t.page_translations},
          {"atc_hits", t.atc_hits},           {"atc_misses", t.atc_misses},
          {"iotlb_hits", t.iotlb_hits},       {"iotlb_misses", t.iotlb_misses},
          {"page_walks", t.page_walks},       {"walk_memory_reads", t.walk_memory_reads},
          {"page_faults", t.page_faults},     {"dma_requests", t.dma_requests},
          {"dma_completed", t.dma_completed}, {"dma_errors", t.dma_errors},
          {"dma_bytes", t.dma_bytes},         {"stale_translation_uses", t.stale_translation_uses}};
}

}  // namespace

json make_results(const Scenario& s, const Stats& st) {
  json r;
  r["format"] = kResultsFormat;
  r["format_version"] = kResultsFormatVersion;
  r["provenance"] = {{"svasim_version", kVersion},
                     {"commit", kCommit},
                     {"scenario_file", s.file},
                     {"scenario_hash", s.hash},
                     {"seed", s.seed}};
  r["scenario"] = {{"name", s.name},
                   {"profile", s.profile},
                   {"domain_model", s.domain_model},
                   {"flush_model", s.flush_model},
                   {"environment", s.environment},
                   {"iommus", s.topology.iommus().size()},
                   {"devices", s.topology.devices().size()},
                   {"duration_ns", s.duration_ns},
                   {"simulated_ns", st.simulated_ns}};
  json params = json::object();
  for (const auto& [name, value] : s.params.values()) params[name] = value;
  r["params"] = params;

  json c = counters_json(st.total);
  c["unmaps"] = st.unmaps;
  c["unmaps_started_late"] = st.unmaps_started_late;
  std::uint64_t ats = 0;
  for (const auto& d : st.per_device) ats += d.ats_inv_requests;
  c["ats_inv_requests"] = ats;
  c.update(translation_json(st.dma));
  c["binds"] = st.binds;
  c["unbinds"] = st.unbinds;
  c["domains_allocated"] = st.domains_allocated;
  c["domains_freed"] = st.domains_freed;
  c["max_live_domains"] = st.max_live_domains;
  c["max_live_pasids"] = st.max_live_pasids;
  c["flushes_of_freed_domains"] = st.flushes_of_freed_domains;
  c["page_request_overflows"] = st.page_request_overflows;
  c["prq_drain_retries"] = st.prq_drain_retries;
  c["domain_free_wait_ns"] = st.domain_free_wait_ns;
  r["counters"] = c;

  r["latency"] = {{"unmap", st.unmap_latency.to_json()},
                  {"submission", st.submission_latency.to_json()},
                  {"queue_lock_wait", st.queue_lock_wait.to_json()},
                  {"domain_lock_wait", st.domain_lock_wait.to_json()},
                  {"dma", st.dma_latency.to_json()},
                  {"translation", st.translation_latency.to_json()},
                  {"page_fault", st.page_fault_latency.to_json()},
                  {"bind", st.bind_latency.to_json()},
                  {"unbind", st.unbind_latency.to_json()}};

  json per_iommu = json::object();
  for (std::size_t i = 0; i < st.per_iommu.size(); ++i)
    per_iommu[s.topology.node(s.topology.iommus()[i]).name] = counters_json(st.per_iommu[i]);
  r["per_iommu"] = per_iommu;
  r["timelines"] = {{"live_domains", st.live_domains.to_json()}, {"live_pasids", st.live_pasids.to_json()}};
  json per_device = json::object();
  for (std::size_t d = 0; d < st.per_device.size(); ++d) {
    const Node& n = s.topology.node(s.topology.devices()[d]);
    per_device[n.name] = {{"iommu", s.topology.node(s.topology.iommus()[s.topology.iommu_of_device(static_cast<int>(d))]).name},
                          {"ats", n.caps.ats},
                          {"ats_inv_requests", st.per_device[d].ats_inv_requests},
                          {"ats_inv_latency", st.per_device[d].ats_inv_latency.to_json()},
                          {"counters", translation_json(st.per_device[d].dma)},
                          {"dma_latency", st.per_device[d].dma_latency.to_json()},
                          {"translation_latency", st.per_device[d].translation_latency.to_json()},
                          {"page_fault_latency", st.per_device[d].page_fault_latency.to_json()},
                          {"throughput_bytes_per_s", throughput(st.per_device[d])}};
  }
  r["per_device"] = per_device;
  return r;
}

void check_output_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) throw InputError("-o", path + ": no directory " + dir.string());
  if (access(dir.c_str(), W_OK) != 0) throw InputError("-o", path + ": directory " + dir.string() + " is not writable");
  const auto st = fs::status(target, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw InputError("-o", path + ": exists and is not a regular file");
}

void check_output_directory(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw InputError("-o", path + ": with several profiles -o names a directory, and this is a file");
  const fs::path parent = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::exists(st) && !fs::is_directory(parent, ec)) throw InputError("-o", path + ": no directory " + parent.string());
}

void write_text_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path tmp = target.string() + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot write " + path);
  }
}

void write_json_atomically(const std::string& path, const json& j) { write_text_atomically(path, j.dump(2) + '\n'); }

}  // namespace svasim
