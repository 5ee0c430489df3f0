#include "analysis/labels.hpp"

#include <utility>

#include "core/params.hpp"

namespace svasim {

namespace {

// The paths the shipped sweeps vary, by their last segment (or the whole path), in words.
const std::pair<const char*, const char*> kWords[] = {
    {"devices_per_iommu", "devices per IOMMU"},
    {"iommus", "IOMMUs"},
    {"workload.unmaps.0.threads", "unmap threads (vCPUs in a guest)"},
    {"threads", "threads"},
    {"duration_us", "run length (µs)"},
    {"page_size_kib", "page size (KiB)"},
    {"queue_depth", "DMA requests in flight per device"},
    {"request_bytes", "DMA request size (bytes)"},
    {"read_fraction", "DMA reads (fraction)"},
    {"working_set_pages", "DMA working set (pages)"},
    {"pages", "pages per unmap"},
    {"profile", "kernel (profile)"},
    {"environment", "environment"},
    {"platform", "platform"},
};

const std::pair<const char*, const char*> kUnits[] = {
    {"_ns", "ns"}, {"_us", "µs"}, {"_ms", "ms"}, {"_bytes", "bytes"}, {"_kib", "KiB"}, {"_per_ms", "per ms"}, {"_gbps", "Gbit/s"},
};

std::string spaced(std::string s) {
  for (char& c : s)
    if (c == '_') c = ' ';
  return s;
}

// "host cpus" -> "host CPUs": the abbreviations a kernel developer writes in capitals, word by word.
std::string capitalised(const std::string& s) {
  static const std::pair<const char*, const char*> kCaps[] = {
      {"cpu", "CPU"},     {"cpus", "CPUs"},   {"iommu", "IOMMU"}, {"iommus", "IOMMUs"}, {"iotlb", "IOTLB"},
      {"ats", "ATS"},     {"atc", "ATC"},     {"dma", "DMA"},     {"pasid", "PASID"},   {"pasids", "PASIDs"},
      {"vcpu", "vCPU"},   {"vcpus", "vCPUs"}, {"prq", "PRQ"},     {"qi", "QI"},         {"inv", "invalidation"}};
  std::string out, word;
  auto flush = [&] {
    for (const auto& [from, to] : kCaps)
      if (word == from) word = to;
    out += word;
    word.clear();
  };
  for (char c : s) {
    if (c == ' ') {
      flush();
      out += ' ';
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

}  // namespace

std::string axis_label(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const std::string last = dot == std::string::npos ? path : path.substr(dot + 1);
  for (const auto& [key, words] : kWords)
    if (path == key) return words;
  if (path.rfind("params.", 0) == 0) {
    const std::string name = path.substr(7);
    std::string words = capitalised(spaced(last));
    std::string unit;
    if (const ParamDecl* d = find_param(name)) unit = d->unit;
    for (const auto& [suffix, u] : kUnits) {
      const std::string sfx = suffix;
      if (words.size() > sfx.size() && last.size() > sfx.size() && last.compare(last.size() - sfx.size(), sfx.size(), sfx) == 0) {
        words = capitalised(spaced(last.substr(0, last.size() - sfx.size())));
        unit = u;
      }
    }
    const bool plain = unit.empty() || unit == "bool" || unit == "count" || unit == "CPUs";
    return words + " (" + name + (plain ? "" : ", " + unit) + ")";
  }
  for (const auto& [key, words] : kWords)
    if (last == key) return words;
  for (const auto& [suffix, u] : kUnits) {
    const std::string sfx = suffix;
    if (last.size() > sfx.size() && last.compare(last.size() - sfx.size(), sfx.size(), sfx) == 0)
      return capitalised(spaced(last.substr(0, last.size() - sfx.size()))) + " (" + u + ")";
  }
  return capitalised(spaced(last));
}

}  // namespace svasim
