#include "engine/trace.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/flush/describe.hpp"
#include "models/flush/vtd_words.hpp"

namespace svasim {

bool Trace::room() {
  if (subs_.size() + spans_.size() < o_.limit) return true;
  ++dropped_;
  return false;
}

void Trace::add(TraceSubmission s) {
  if (wants(s.start_ns) && room()) subs_.push_back(std::move(s));
}

void Trace::add(TraceSpan s) {
  if (wants(s.start_ns) && room()) spans_.push_back(std::move(s));
}

namespace {

// ftrace's timestamp: seconds with microsecond digits (the simulated clock keeps nanoseconds).
std::string stamp(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9f", ns * 1e-9);
  return buf;
}

// The kernel's qi_submit event names the descriptor type with its __print_symbolic table (p_iotlb_inv,
// p_dev_tlb_inv, pc_inv, inv_wait); SMMUv3 and AMD have no such event: their command names stand in.
std::string event_name(const Descriptor& d) {
  switch (d.kind) {
    case DescKind::vtd_piotlb: return "qi_submit: p_iotlb_inv";
    case DescKind::vtd_devtlb: return d.all_pasids ? "qi_submit: dev_tlb_inv" : "qi_submit: p_dev_tlb_inv";
    case DescKind::vtd_pasid_cache: return "qi_submit: pc_inv";
    case DescKind::vtd_page_response: return "qi_submit: page_grp_resp";
    case DescKind::vtd_fence_wait: return "qi_submit: inv_wait";
    default: return "cmd:";
  }
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string Trace::render(const std::vector<std::string>& device_names, const std::string& submit_call,
                          unsigned qdep) const {
  if (o_.format == "perfetto") {
    using nlohmann::json;
    json events = json::array();
    // One track per CPU actor, numbered in order of appearance (tid); ts and dur in microseconds.
    std::vector<std::string> tracks;
    const auto tid = [&](const std::string& cpu) {
      for (std::size_t i = 0; i < tracks.size(); ++i)
        if (tracks[i] == cpu) return static_cast<int>(i) + 1;
      tracks.push_back(cpu);
      events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", tracks.size()}, {"args", {{"name", cpu}}}});
      return static_cast<int>(tracks.size());
    };
    for (const TraceSpan& s : spans_)
      events.push_back({{"name", s.name}, {"ph", "X"}, {"pid", 1}, {"tid", tid(s.cpu)}, {"ts", s.start_ns * 1e-3},
                        {"dur", (s.end_ns - s.start_ns) * 1e-3}, {"cat", "cpu"}});
    for (const TraceSubmission& s : subs_) {
      json descs = json::array();
      for (const Descriptor& d : s.sub.descs) descs.push_back(describe(d, device_names));
      if (s.sub.wait && !s.sub.descs.empty()) descs.push_back(wait_name(s.sub.descs.front().kind));
      events.push_back({{"name", submit_call + " " + s.iommu},
                        {"ph", "X"},
                        {"pid", 1},
                        {"tid", tid(s.cpu)},
                        {"ts", s.start_ns * 1e-3},
                        {"dur", (s.end_ns - s.start_ns) * 1e-3},
                        {"cat", "queue"},
                        {"args", {{"for", s.origin}, {"pasid", s.process + 1}, {"domain", s.domain + 1}, {"descriptors", descs}}}});
    }
    json doc = {{"traceEvents", events}, {"displayTimeUnit", "ns"},
                {"otherData", {{"generator", "svasim"}, {"dropped_events", dropped_}}}};
    return doc.dump(1) + "\n";
  }
  std::string out =
      "# svasim trace: TASK TIMESTAMP: EVENT IOMMU: FIELDS # DECODED\n"
      "# VT-d descriptors as ftrace's intel_iommu:qi_submit prints them (the four descriptor words), then decoded;\n"
      "# PASIDs, DIDs and requester IDs are svasim's (sid 0x100 + device index). qi_wait lines are svasim's own:\n"
      "# the wait qi_submit_sync() appends, which the kernel does not trace. SMMUv3 and AMD commands: cmd lines.\n";
  if (dropped_ > 0) out += "# " + std::to_string(dropped_) + " events past the limit were not kept\n";
  for (const TraceSubmission& s : subs_) {
    const std::string head = s.cpu + " " + stamp(s.start_ns) + ": ";
    // PASIDs and domain ids numbered from 1 in svasim's process and domain order (0 is no process's).
    const auto pasid = static_cast<std::uint32_t>(s.process + 1);
    const auto did = static_cast<std::uint16_t>(s.domain + 1);
    const char* tag = s.sub.descs.empty() ? "did" : domain_tag_name(s.sub.descs.front().kind);
    const std::string ids =
        " pasid=" + std::to_string(pasid) + " " + tag + "=" + std::to_string(did) + " for=\"" + s.origin + "\"";
    for (const Descriptor& d : s.sub.descs) {
      std::string text = describe(d, device_names);
      if (d.device >= 0) text += " sid=" + hex(synthetic_sid(d.device));
      // The fields the words carry that the plan does not: IH (0 on the notifier path), the queue depth.
      if (d.kind == DescKind::vtd_piotlb && !d.whole_pasid && d.mask < kMaxAgawPfnWidth) text += " ih=0";
      if (d.kind == DescKind::vtd_devtlb) text += " qdep=" + std::to_string(qdep);
      if (!is_vtd(d.kind)) {
        out += head + "cmd: " + s.iommu + ": " + text + ids + "\n";
        continue;
      }
      text = text.substr(text.find(' ') + 1);  // the event names the type
      const VtdIds vid{pasid, did, d.device >= 0 ? synthetic_sid(d.device) : std::uint16_t{0}, qdep, false};
      std::string words;
      for (std::uint64_t w : vtd_descriptor_words(d, vid)) words += " " + hex(w);
      out += head + event_name(d) + " " + s.iommu + ":" + words + " # " + text + ids + "\n";
    }
    if (s.sub.wait && !s.sub.descs.empty()) {
      const DescKind k = s.sub.descs.front().kind;
      // A drain (intel_iommu_drain_pasid_prq()) is submitted with QI_OPT_WAIT_DRAIN: its wait carries PD.
      const bool drain = k == DescKind::vtd_fence_wait;
      out += head + (is_vtd(k) ? "qi_wait: " + s.iommu + ": " + hex(vtd_wait_qw0(drain)) + " #" + (drain ? " page-request drain" : "")
                               : "cmd: " + s.iommu + ": " + wait_name(k)) +
             ids + " done=" + stamp(s.end_ns) + "\n";
    }
  }
  return out;
}

}  // namespace svasim
