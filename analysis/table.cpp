#include "analysis/table.hpp"

#include <cstdio>
#include <sstream>

namespace svasim {

using nlohmann::json;

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string pad(const std::string& s, std::size_t w, bool left = false) {
  if (s.size() >= w) return s;
  return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

double per_unmap(const json& r, const char* counter) {
  const double unmaps = r["counters"]["unmaps"].get<double>();
  return unmaps > 0 ? r["counters"][counter].get<double>() / unmaps : 0.0;
}

std::string run_label(const json& r) {
  const json& sc = r["scenario"];
  const std::string profile = sc["profile"].get<std::string>();
  return profile.empty() ? sc["domain_model"].get<std::string>() + "+" + sc["flush_model"].get<std::string>() : profile;
}

const char* kCounters[] = {"iotlb_invalidations", "devtlb_invalidations", "invalidation_waits", "submissions",
                           "descriptors", "ats_inv_requests"};
const char* kQuantiles[] = {"mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"};
const char* kQuantileNames[] = {"mean", "p50", "p90", "p99", "p99.9", "max"};

std::string latency_row(const std::string& name, const json& h) {
  std::string row = pad(name, 18, true) + pad(std::to_string(h["count"].get<std::uint64_t>()), 9);
  for (const char* q : kQuantiles) row += pad(fmt("%.0f", h[q].get<double>()), 10);
  return row + "\n";
}

}  // namespace

std::string format_run(const json& r) {
  std::ostringstream o;
  const json& sc = r["scenario"];
  const json& pv = r["provenance"];
  o << "svasim " << pv["svasim_version"].get<std::string>() << " (" << pv["commit"].get<std::string>() << ")  "
    << sc["name"].get<std::string>() << "  profile " << run_label(r) << " (domain " << sc["domain_model"].get<std::string>()
    << ", flush " << sc["flush_model"].get<std::string>() << ") on " << sc.value("environment", std::string("bare-metal"))
    << "\n";
  o << sc["iommus"].get<int>() << " IOMMU(s), " << sc["devices"].get<int>() << " device(s), seed "
    << pv["seed"].get<std::uint64_t>() << ", simulated " << fmt("%.3f", sc["simulated_ns"].get<double>() / 1e6)
    << " ms, " << r["counters"]["unmaps"].get<std::uint64_t>() << " unmaps\n\n";

  o << pad("counter", 24, true) << pad("total", 12) << pad("per unmap", 12) << "\n";
  for (const char* c : kCounters)
    o << pad(c, 24, true) << pad(std::to_string(r["counters"][c].get<std::uint64_t>()), 12)
      << pad(fmt("%.2f", per_unmap(r, c)), 12) << "\n";
  o << pad("queue_lock_wait_ns", 24, true) << pad(fmt("%.0f", r["counters"]["queue_lock_wait_ns"].get<double>()), 12)
    << pad(fmt("%.1f", per_unmap(r, "queue_lock_wait_ns")), 12) << "\n";
  if (r["counters"].value("vm_exits", 0) > 0) {
    o << pad("vm_exits", 24, true) << pad(std::to_string(r["counters"]["vm_exits"].get<std::uint64_t>()), 12)
      << pad(fmt("%.2f", per_unmap(r, "vm_exits")), 12) << "\n";
    o << pad("vm_exit_ns", 24, true) << pad(fmt("%.0f", r["counters"]["vm_exit_ns"].get<double>()), 12)
      << pad(fmt("%.0f", per_unmap(r, "vm_exit_ns")), 12) << "\n";
  }
  o << "\n";

  o << pad("latency (ns)", 18, true) << pad("count", 9);
  for (const char* q : kQuantileNames) o << pad(q, 10);
  o << "\n";
  o << latency_row("unmap", r["latency"]["unmap"]);
  o << latency_row("submission", r["latency"]["submission"]);
  o << latency_row("queue lock wait", r["latency"]["queue_lock_wait"]);
  if (r["latency"].contains("domain_lock_wait") && r["latency"]["domain_lock_wait"]["count"].get<std::uint64_t>() > 0)
    o << latency_row("domain lock wait", r["latency"]["domain_lock_wait"]);
  const json& c = r["counters"];
  if (c.value("binds", 0) + c.value("unbinds", 0) > 0) {
    o << latency_row("bind", r["latency"]["bind"]);
    o << latency_row("unbind", r["latency"]["unbind"]);
  }
  if (c.value("dma_requests", 0) > 0) {
    o << latency_row("dma", r["latency"]["dma"]);
    o << latency_row("translation", r["latency"]["translation"]);
    o << latency_row("page fault", r["latency"]["page_fault"]);
    auto rate = [&](const char* hit, const char* miss) {
      const double h = c[hit].get<double>(), m = c[miss].get<double>();
      return h + m > 0 ? fmt("%.1f %%", 100.0 * h / (h + m)) : std::string("-");
    };
    o << "\ntranslation path: " << c["page_translations"].get<std::uint64_t>() << " page translations, ATC hit rate "
      << rate("atc_hits", "atc_misses") << ", IOTLB hit rate " << rate("iotlb_hits", "iotlb_misses") << ", "
      << c["page_walks"].get<std::uint64_t>() << " walks ("
      << fmt("%.2f", c["page_walks"].get<double>() > 0 ? c["walk_memory_reads"].get<double>() / c["page_walks"].get<double>() : 0.0)
      << " reads each), " << c["page_faults"].get<std::uint64_t>() << " page faults, " << c["dma_errors"].get<std::uint64_t>()
      << " DMA errors, " << c["stale_translation_uses"].get<std::uint64_t>() << " stale translation uses\n";
    o << "\n" << pad("per device", 12, true) << pad("requests", 10) << pad("GB/s", 8) << pad("dma p50", 10)
      << pad("dma p99", 10) << pad("ATC hit", 9) << pad("faults", 8) << "\n";
    for (const auto& [name, d] : r["per_device"].items()) {
      const json& dc = d["counters"];
      if (dc["dma_requests"].get<std::uint64_t>() == 0) continue;
      const double h = dc["atc_hits"].get<double>(), m = dc["atc_misses"].get<double>();
      o << pad(name, 12, true) << pad(std::to_string(dc["dma_requests"].get<std::uint64_t>()), 10)
        << pad(fmt("%.2f", d["throughput_bytes_per_s"].get<double>() / 1e9), 8)
        << pad(std::to_string(d["dma_latency"]["p50_ns"].get<std::uint64_t>()), 10)
        << pad(std::to_string(d["dma_latency"]["p99_ns"].get<std::uint64_t>()), 10)
        << pad(h + m > 0 ? fmt("%.1f%%", 100.0 * h / (h + m)) : std::string("-"), 9)
        << pad(std::to_string(dc["page_faults"].get<std::uint64_t>()), 8) << "\n";
    }
  }

  if (c.value("ats_inv_timeouts", 0) + c.value("ring_full_waits", 0) > 0)
    o << "\nfaults: " << c["ats_inv_timeouts"].get<std::uint64_t>() << " invalidation time-outs, "
      << c["resubmissions"].get<std::uint64_t>() << " resubmissions, " << c["invalidations_failed"].get<std::uint64_t>()
      << " failed (device gone or no retry), " << c["invalidations_abandoned"].get<std::uint64_t>()
      << " abandoned at the end (still spinning); " << c["ring_full_waits"].get<std::uint64_t>()
      << " waits for ring slots\n";
  if (c.value("binds", 0) + c.value("unbinds", 0) > 0)
    o << "\nlifecycle: " << c["binds"].get<std::uint64_t>() << " binds, " << c["unbinds"].get<std::uint64_t>()
      << " unbinds, " << c["domains_allocated"].get<std::uint64_t>() << " domains allocated, "
      << c["domains_freed"].get<std::uint64_t>() << " freed, at most " << c["max_live_domains"].get<std::uint64_t>()
      << " live domains and " << c["max_live_pasids"].get<std::uint64_t>() << " live PASIDs\n";
  if (r["per_iommu"].size() > 1) {
    o << "\n" << pad("per IOMMU", 12, true) << pad("submissions", 13) << pad("iotlb", 10) << pad("devtlb", 10)
      << pad("waits", 10) << pad("lock_wait_ns", 14) << "\n";
    for (const auto& [name, ic] : r["per_iommu"].items())
      o << pad(name, 12, true) << pad(std::to_string(ic["submissions"].get<std::uint64_t>()), 13)
        << pad(std::to_string(ic["iotlb_invalidations"].get<std::uint64_t>()), 10)
        << pad(std::to_string(ic["devtlb_invalidations"].get<std::uint64_t>()), 10)
        << pad(std::to_string(ic["invalidation_waits"].get<std::uint64_t>()), 10)
        << pad(fmt("%.0f", ic["queue_lock_wait_ns"].get<double>()), 14) << "\n";
  }
  return o.str();
}

std::string format_comparison(const std::vector<json>& runs) {
  if (runs.empty()) return "";
  std::ostringstream o;
  const std::size_t w = 20;
  o << pad("per unmap", 26, true);
  for (const auto& r : runs) o << pad(run_label(r), w);
  for (std::size_t i = 1; i < runs.size(); ++i) o << pad(i == 1 ? "ratio to first" : "", i == 1 ? 16 : 10);
  o << "\n";
  auto row = [&](const std::string& name, auto value, const char* f) {
    o << pad(name, 26, true);
    for (const auto& r : runs) o << pad(fmt(f, value(r)), w);
    // One ratio column per run after the first, so any number of profiles stays aligned.
    const double first = value(runs.front());
    for (std::size_t i = 1; i < runs.size(); ++i)
      o << pad(first > 0 ? fmt("%.2fx", value(runs[i]) / first) : std::string("-"), i == 1 ? 16 : 10);
    o << "\n";
  };
  for (const char* c : kCounters) row(c, [c](const json& r) { return per_unmap(r, c); }, "%.2f");
  row("queue_lock_wait_ns", [](const json& r) { return per_unmap(r, "queue_lock_wait_ns"); }, "%.1f");
  bool guests = false;
  for (const auto& r : runs) guests |= r["counters"].value("vm_exits", 0) > 0;
  if (guests) {
    row("vm_exits", [](const json& r) { return per_unmap(r, "vm_exits"); }, "%.2f");
    row("vm_exit_ns", [](const json& r) { return per_unmap(r, "vm_exit_ns"); }, "%.0f");
  }
  for (std::size_t q = 0; q < std::size(kQuantiles); ++q) {
    const char* key = kQuantiles[q];
    row(std::string("unmap latency ") + kQuantileNames[q] + " (ns)",
        [key](const json& r) { return r["latency"]["unmap"][key].get<double>(); }, "%.0f");
  }
  if (runs.front()["counters"].value("dma_requests", 0) > 0) {
    for (const char* key : {"p50_ns", "p99_ns"})
      row(std::string("dma latency ") + (key[1] == '5' ? "p50" : "p99") + " (ns)",
          [key](const json& r) { return r["latency"]["dma"][key].get<double>(); }, "%.0f");
    for (const char* c : {"page_faults", "atc_misses", "iotlb_misses"})
      row(std::string(c) + " (total)", [c](const json& r) { return r["counters"][c].get<double>(); }, "%.0f");
  }
  return o.str();
}

}  // namespace svasim
