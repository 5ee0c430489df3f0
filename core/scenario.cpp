#include "core/scenario.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/footprint.hpp"
#include "core/json_input.hpp"
#include "core/registry.hpp"
#include "core/schema_check.hpp"
#include "core/suggest.hpp"
#include "svasim/schema_text.hpp"

namespace svasim {

namespace {

using nlohmann::json;

const json& scenario_schema() {
  static const json schema = json::parse(kScenarioSchemaText);
  return schema;
}

std::string to_pointer(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::string p;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '.')) p += "/" + part;
  return p;
}

double us_to_ns(const json& v) { return v.get<double>() * 1000.0; }

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Expands a churn model into bind events now, from its own seeded stream, so the run and its effective
// scenario hash see plain events.
void add_churn(Process& p, const json& c, const std::string& path, const Scenario& s) {
  std::vector<int> devices;
  const json devs = c.value("devices", json("all"));
  if (devs.is_string()) {
    for (std::size_t d = 0; d < s.topology.devices().size(); ++d)
      if (s.topology.node(s.topology.devices()[d]).caps.pasid) devices.push_back(static_cast<int>(d));
  } else {
    for (std::size_t k = 0; k < devs.size(); ++k) {
      const std::string name = devs[k].get<std::string>();
      if (!s.topology.has(name) || s.topology.node(s.topology.find(name)).kind != NodeKind::device)
        throw InputError(path + "/devices/" + std::to_string(k), "unknown device \"" + name + "\"");
      devices.push_back(s.topology.node(s.topology.find(name)).index);
    }
  }
  if (devices.empty()) throw InputError(path + "/devices", "no device to bind");
  const Distribution hold = Distribution::from_json(c["hold_us"], path + "/hold_us");
  RandomStream rng(s.seed, "churn/" + p.name);
  const double mean_gap_ns = 1e6 / c["rate_per_ms"].get<double>();
  // Churn becomes bind events here, so their number is bounded before any is made.
  const double start_ns = c.contains("start_us") ? us_to_ns(c["start_us"]) : 0.0;
  const double expected = (s.duration_ns - start_ns) / mean_gap_ns;
  if (expected > static_cast<double>(kMaxChurnEvents))
    throw InputError(path + "/rate_per_ms", "about " + std::to_string(static_cast<long long>(expected)) +
                                                " binds over the duration; at most " + std::to_string(kMaxChurnEvents) +
                                                " per process (lower the rate or the duration)");
  for (double t = start_ns; t < s.duration_ns; t += rng.exponential(mean_gap_ns)) {
    const int d = devices[rng.uniform_int(0, devices.size() - 1)];
    p.binds.push_back({d, t, t + static_cast<double>(hold.sample(rng)) * 1000.0});
  }
}

// Process names to indexes: lookups and the duplicate check stay O(1) with tens of thousands of processes.
using ProcessIndex = std::unordered_map<std::string, int>;

int process_of(const ProcessIndex& index, const json& name, const std::string& path) {
  const std::string proc = name.get<std::string>();
  const auto it = index.find(proc);
  if (it == index.end()) throw InputError(path + "/process", "unknown process \"" + proc + "\"");
  return it->second;
}

DmaStream dma_stream_from_json(const json& d, const std::string& path, const Scenario& s, const ProcessIndex& by_name) {
  DmaStream st;
  const std::string proc = d["process"].get<std::string>();
  st.process = process_of(by_name, d["process"], path);
  const auto it = s.processes.begin() + st.process;
  st.start_ns = d.contains("start_us") ? us_to_ns(d["start_us"]) : 0.0;
  const json& devs = d["devices"];
  if (devs.is_string()) {
    // "all": each device the process binds, once, however often churn binds it again.
    std::vector<bool> seen(s.topology.devices().size(), false);
    for (const auto& b : it->binds)
      if (!seen[static_cast<std::size_t>(b.device)]) {
        seen[static_cast<std::size_t>(b.device)] = true;
        st.devices.push_back(b.device);
      }
  } else {
    for (std::size_t k = 0; k < devs.size(); ++k) {
      const std::string name = devs[k].get<std::string>();
      const std::string dpath = path + "/devices/" + std::to_string(k);
      if (!s.topology.has(name) || s.topology.node(s.topology.find(name)).kind != NodeKind::device)
        throw InputError(dpath, "unknown device \"" + name + "\"");
      const int index = s.topology.node(s.topology.find(name)).index;
      auto bind = std::find_if(it->binds.begin(), it->binds.end(), [&](const BindEvent& b) { return b.device == index; });
      if (bind == it->binds.end())
        throw InputError(dpath, "device \"" + name + "\" is not bound to process \"" + proc + "\": SVA DMA needs a bind");
      if (bind->at_ns > st.start_ns)
        throw InputError(dpath, "device \"" + name + "\" is bound only at " + std::to_string(bind->at_ns / 1000) +
                                    " us, after this stream starts");
      if (std::find(st.devices.begin(), st.devices.end(), index) != st.devices.end())
        throw InputError(dpath, "device \"" + name + "\" is listed twice (one stream runs once per device)");
      st.devices.push_back(index);
    }
  }
  if (st.devices.empty()) throw InputError(path + "/devices", "process \"" + proc + "\" binds no device");
  st.request_bytes = d.value("request_bytes", st.request_bytes);
  st.read_fraction = d.value("read_fraction", st.read_fraction);
  if (d.contains("rate_per_us")) {
    st.rate_per_ns = d["rate_per_us"].get<double>() / 1000.0;
    if (d.contains("queue_depth")) throw InputError(path + "/queue_depth", "give either rate_per_us (open loop) or queue_depth (closed loop)");
  }
  st.queue_depth = d.value("queue_depth", 1);
  if (d.contains("count")) st.count = d["count"].get<std::int64_t>();

  const std::uint64_t mem_bytes = it->memory.pages << 12;
  const json pat = d.value("pattern", json::object());
  const Catalog& cat = Catalog::instance();
  const ModelEntry* default_pattern = cat.default_of("pattern");
  st.pattern.kind = pat.value("kind", default_pattern ? default_pattern->name : std::string());
  const ModelEntry* pattern = cat.find("pattern", st.pattern.kind);
  if (!pattern)
    throw InputError(path + "/pattern/kind", "unknown pattern \"" + st.pattern.kind + "\"" +
                                                 did_you_mean(st.pattern.kind, cat.name_list("pattern")) +
                                                 " (expected one of: " + cat.names("pattern") + ")");
  st.pattern.offset_bytes = pat.value("offset_pages", std::uint64_t{0}) << 12;
  if (st.pattern.offset_bytes >= mem_bytes)
    throw InputError(path + "/pattern/offset_pages", "beyond the process memory (" + std::to_string(it->memory.pages) + " pages)");
  st.pattern.working_set_bytes = pat.contains("working_set_pages") ? pat["working_set_pages"].get<std::uint64_t>() << 12
                                                                   : mem_bytes - st.pattern.offset_bytes;
  if (st.pattern.offset_bytes + st.pattern.working_set_bytes > mem_bytes)
    throw InputError(path + "/pattern/working_set_pages", "the working set ends beyond the process memory (" +
                                                              std::to_string(it->memory.pages) + " pages)");
  if (st.request_bytes > st.pattern.working_set_bytes)
    throw InputError(path + "/request_bytes", "a request is larger than the working set");
  // Each pattern declares the keys it reads (its registration); any other kind-specific key is a mistake.
  const std::vector<std::string>& allowed = pattern->info.keys;
  auto reads = [&](const char* key) { return std::find(allowed.begin(), allowed.end(), key) != allowed.end(); };
  for (const char* key : {"zipf_s", "window_pages", "window_step_pages", "window_step_requests"}) {
    if (pat.contains(key) && !reads(key))
      throw InputError(path + "/pattern/" + key, "does not apply to a \"" + st.pattern.kind + "\" pattern" +
                                                     (pat.contains("kind") ? "" : " (the default kind)"));
  }
  st.pattern.zipf_s = pat.value("zipf_s", st.pattern.zipf_s);
  st.pattern.window_bytes = pat.value("window_pages", std::uint64_t{0}) << 12;
  st.pattern.window_step_bytes = pat.value("window_step_pages", std::uint64_t{0}) << 12;
  st.pattern.window_step_requests = pat.value("window_step_requests", std::uint64_t{1});
  if (reads("window_pages")) {
    if (st.pattern.window_bytes == 0) throw InputError(path + "/pattern", "a window pattern needs window_pages");
    if (st.pattern.window_bytes > st.pattern.working_set_bytes || st.pattern.window_bytes < st.request_bytes)
      throw InputError(path + "/pattern/window_pages", "the window must hold a request and fit in the working set");
  }
  return st;
}

}  // namespace

std::uint64_t Distribution::max_value() const {
  if (kind == Kind::choice) return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  return kind == Kind::constant ? lo : hi;
}

std::uint64_t Distribution::sample(RandomStream& rng) const {
  switch (kind) {
    case Kind::constant: return lo;
    case Kind::uniform: return rng.uniform_int(lo, hi);
    case Kind::log2_uniform: {
      unsigned a = 0, b = 0;
      while ((1ULL << a) < lo) ++a;
      while (b < 63 && (1ULL << (b + 1)) <= hi) ++b;
      return 1ULL << rng.uniform_int(a, std::max(a, b));
    }
    case Kind::choice: {
      const double x = rng.uniform01() * cumulative_weights.back();
      auto it = std::upper_bound(cumulative_weights.begin(), cumulative_weights.end(), x);
      return values[std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_weights.begin()), values.size() - 1)];
    }
  }
  return lo;
}

Distribution Distribution::from_json(const json& j, const std::string& path) {
  Distribution d;
  if (j.is_number()) {
    d.kind = Kind::constant;
    d.lo = d.hi = j.get<std::uint64_t>();
    return d;
  }
  auto pair = [&](const char* key, Kind k) {
    d.kind = k;
    d.lo = j[key][0].get<std::uint64_t>();
    d.hi = j[key][1].get<std::uint64_t>();
    if (d.lo > d.hi) throw InputError(path + "/" + key, "expected [lo, hi] with lo <= hi");
  };
  if (j.contains("uniform")) {
    pair("uniform", Kind::uniform);
  } else if (j.contains("log2_uniform")) {
    pair("log2_uniform", Kind::log2_uniform);
    if ((1ULL << 63) < d.hi || ((d.lo & (d.lo - 1)) == 0 ? d.lo : (1ULL << (64 - __builtin_clzll(d.lo)))) > d.hi)
      throw InputError(path + "/log2_uniform", "expected a range holding at least one power of two");
  } else {
    d.kind = Kind::choice;
    d.values = j["choice"].get<std::vector<std::uint64_t>>();
    std::vector<double> w(d.values.size(), 1.0);
    if (j.contains("weights")) {
      w = j["weights"].get<std::vector<double>>();
      if (w.size() != d.values.size())
        throw InputError(path + "/weights", "expected as many weights as choices (" + std::to_string(d.values.size()) + ")");
    }
    double acc = 0;
    for (double x : w) d.cumulative_weights.push_back(acc += x);
    if (acc <= 0) throw InputError(path + "/weights", "expected at least one positive weight");
  }
  return d;
}

void apply_set_override(json& doc, const std::string& path, const std::string& value) {
  const std::string pointer = to_pointer(path);
  if (pointer.empty() || pointer == "/") throw InputError("--set", path + ": needs a path below the document root");
  json v;
  if (!is_valid_utf8(path) || !is_valid_utf8(value)) throw InputError("--set", "the path or value is not valid UTF-8");
  try {
    v = parse_user_json(value);
  } catch (const InputError& e) {
    if (e.path().empty() && value.find_first_of("{[") != 0) {
      v = value;  // not JSON at all: a bare word is a string (--set profile=linux-6.12-vtd)
    } else {
      throw InputError("--set", path + ": " + (e.path().empty() ? "" : e.path() + ": ") + e.what());
    }
  }
  // Walk by hand: objects gain missing keys (so --set params.device.ats_inv_ns=5000 works on a file
  // without "params"), but an array index must exist: silently padding arrays with nulls would turn a
  // typo into a confusing error elsewhere.
  json* node = &doc;
  std::string walked;
  std::stringstream parts(pointer.substr(1));
  std::string token;
  while (std::getline(parts, token, '/')) {
    for (std::size_t at; (at = token.find("~1")) != std::string::npos;) token.replace(at, 2, "/");
    for (std::size_t at; (at = token.find("~0")) != std::string::npos;) token.replace(at, 2, "~");
    walked += "/" + token;
    if (node->is_array()) {
      const bool digits = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
      // At most 19 digits: a longer index is out of range anyway, and std::stoull would throw on it.
      if (!digits || token.size() > 19 || std::stoull(token) >= node->size())
        throw InputError(walked, "--set: no element " + token + " here (the array has " +
                                     std::to_string(node->size()) + ")");
      node = &(*node)[std::stoull(token)];
    } else if (node->is_object() || node->is_null()) {
      node = &(*node)[token];
    } else {
      throw InputError(walked, "--set: cannot descend into a " + std::string(node->type_name()));
    }
  }
  *node = v;
}

Scenario load_scenario(const std::string& file, const Overrides& overrides) {
  check_input_file(file, "scenario file");
  std::ifstream in(file);
  if (!in) throw InputError("", "cannot open the file");
  return scenario_from_json(parse_user_json(in), file, overrides);
}

Scenario scenario_from_json(json doc, const std::string& file, const Overrides& overrides) {
  for (const auto& [path, value] : overrides.set) apply_set_override(doc, path, value);
  if (overrides.profile) {
    doc["profile"] = *overrides.profile;
    doc.erase("models");  // --profile names the whole kernel behaviour
  }
  if (overrides.seed) doc["seed"] = *overrides.seed;

  check_against_schema(doc, scenario_schema());

  Scenario s;
  s.file = file;
  s.name = doc.value("name", std::string());
  s.seed = doc.value("seed", std::uint64_t{1});
  if (doc.contains("duration_us")) s.duration_ns = us_to_ns(doc["duration_us"]);
  if (doc.contains("warmup_us")) {
    s.warmup_ns = us_to_ns(doc["warmup_us"]);
    if (s.warmup_ns >= s.duration_ns)
      throw InputError("/warmup_us", "the warm-up must end before the run does (duration_us)");
  }

  // Models: the profile first, then any separately named model on top. A flush planner named on its own
  // brings the queue discipline its descriptors need, unless models.queue names one.
  const Catalog& cat = Catalog::instance();
  auto resolve = [&](const char* axis, const std::string& name, const std::string& path,
                     const std::string& what) -> const ModelEntry& {
    const ModelEntry* e = cat.find(axis, name);
    if (!e)
      throw InputError(path, "unknown " + what + " \"" + name + "\"" + did_you_mean(name, cat.name_list(axis)) +
                                 " (expected one of: " + cat.names(axis) + ")");
    return *e;
  };
  auto companion = [](const ModelEntry& e, const char* axis) {
    auto it = e.info.companions.find(axis);
    return it == e.info.companions.end() ? std::string() : it->second;
  };
  if (doc.contains("profile")) {
    s.profile = doc["profile"].get<std::string>();
    const ModelEntry& p = resolve("profile", s.profile, overrides.profile ? "--profile" : "/profile", "profile");
    s.domain_model = companion(p, "domain");
    s.flush_model = companion(p, "flush");
    s.queue_model = companion(p, "queue");
    for (const auto& [name, value] : p.info.overrides) s.params.set(name, value, "/profile");
  }
  if (doc.contains("models")) {
    const json& m = doc["models"];
    if (m.contains("arch")) s.arch_model = m["arch"].get<std::string>();
    if (m.contains("domain")) s.domain_model = m["domain"].get<std::string>();
    if (m.contains("flush")) {
      s.flush_model = m["flush"].get<std::string>();
      s.queue_model.clear();
    }
    if (m.contains("queue")) s.queue_model = m["queue"].get<std::string>();
  }
  if (s.domain_model.empty() || s.flush_model.empty())
    throw InputError(doc.contains("models") ? "/models" : "", "expected \"profile\" or both models.domain and models.flush");
  resolve("domain", s.domain_model, "/models/domain", "domain model");
  const ModelEntry& flush = resolve("flush", s.flush_model, "/models/flush", "flush model");
  const std::string needed = companion(flush, "queue");
  if (s.queue_model.empty()) s.queue_model = needed;
  const ModelEntry& queue = resolve("queue", s.queue_model, "/models/queue", "queue discipline");
  // A planner's descriptors need its driver family's queue (an SMMUv3 batch without CMD_SYNC would never
  // give VT-d ring slots back): another queue must say it stands in for that one.
  const auto& subs = queue.info.stands_in_for;
  if (!needed.empty() && s.queue_model != needed && std::find(subs.begin(), subs.end(), needed) == subs.end())
    throw InputError("/models/queue", "the flush model \"" + s.flush_model + "\" issues its descriptors through \"" +
                                          needed + "\"; \"" + s.queue_model + "\" does not stand in for it");
  // The CPU architecture whose TLB flush calls the notifier: the flush model's driver runs on it.
  if (s.arch_model.empty()) s.arch_model = companion(flush, "arch");
  if (s.arch_model.empty())
    if (const ModelEntry* e = cat.default_of("arch")) s.arch_model = e->name;
  resolve("arch", s.arch_model, "/models/arch", "CPU TLB flush model");
  if (doc.contains("environment")) {
    s.environment = doc["environment"].get<std::string>();
    resolve("environment", s.environment, "/environment", "environment");
  } else if (const ModelEntry* e = cat.default_of("environment")) {
    s.environment = e->name;
  }
  // A platform preset sets the machine's figures; the scenario's own params still win.
  if (doc.contains("platform")) {
    s.platform = doc["platform"].get<std::string>();
    const ModelEntry& p = resolve("platform", s.platform, "/platform", "platform");
    for (const auto& [name, value] : p.info.overrides) s.params.set(name, value, "/platform");
  }
  if (doc.contains("params")) s.params.apply(doc["params"], "/params");

  // arm_smmu_cmdq_issue_cmdlist() waits for room for a whole batch and its CMD_SYNC: a smaller queue never has it.
  if (s.params.get_int("smmu.cmdq_entries") < s.params.get_int("smmu.cmdq_batch_size") + 1)
    throw InputError("/params/smmu/cmdq_entries", "must hold a batch of smmu.cmdq_batch_size (" +
                                                     std::to_string(s.params.get_int("smmu.cmdq_batch_size")) +
                                                     ") commands and its CMD_SYNC");
  for (const char* cache : {"iommu.iotlb", "device.atc"}) {
    const std::string e = std::string(cache) + "_entries", w = std::string(cache) + "_ways";
    const auto entries = s.params.get_int(e), ways = s.params.get_int(w);
    if (entries > 0 && (ways > entries || entries % ways != 0)) {
      std::string ptr = "/params/" + e;
      ptr[ptr.find('.')] = '/';
      throw InputError(ptr, std::to_string(entries) + " entries cannot be split into " + std::to_string(ways) +
                                "-way sets (" + w + ")");
    }
  }
  if (const auto kib = s.params.get_int("iommu.s2_page_kib"); kib != 4 && kib != 2048 && kib != 1048576)
    throw InputError("/params/iommu/s2_page_kib", "must be 4, 2048 or 1048576 (KiB)");
  if (s.params.get_int("vtd.qi_ring_entries") < s.params.get_int("vtd.qi_batch_size") + 3)
    throw InputError("/params/vtd/qi_ring_entries", "the ring must hold a full batch, its wait and a spare slot (at least vtd.qi_batch_size + 3)");
  {
    // A link the topology does not describe is a PCIe link of the platform's generation and width.
    const int gen = static_cast<int>(s.params.get_int("pcie.gen")), lanes = static_cast<int>(s.params.get_int("pcie.lanes"));
    if (lanes & (lanes - 1)) throw InputError("/params/pcie/lanes", "must be 1, 2, 4, 8, 16 or 32");
    s.topology = Topology::from_json(doc["topology"], "/topology",
                                     Link{s.params.get("pcie.link_latency_ns"), pcie_link_bytes_per_ns(gen, lanes), gen, lanes});
  }
  // An invalid descriptor stops only a VT-d queue (IQE, recovered in qi_check_fault()); SMMUv3's CERROR_ILL
  // and AMD's ILLEGAL_COMMAND_ERROR are not modelled.
  const bool vtd_queue = s.queue_model == "vtd-qi" || std::find(subs.begin(), subs.end(), "vtd-qi") != subs.end();
  for (NodeId v : s.topology.iommus())
    if (s.topology.node(v).bad_descriptor_at_ns >= 0 && !vtd_queue)
      throw InputError("/topology", "IOMMU \"" + s.topology.node(v).name + "\": bad_descriptor_at_us needs a VT-d queue (\"" +
                                        s.queue_model + "\" does not model an invalid descriptor)");
  // The unbind of a PRI device drains its page requests with three descriptors and a wait (plus the slot kept
  // empty): a smaller ring would never have room for it.
  bool pri = false;
  for (NodeId v : s.topology.devices()) pri = pri || s.topology.node(v).caps.pri;
  if (vtd_queue && pri && s.params.get_int("vtd.qi_ring_entries") < 5)
    throw InputError("/params/vtd/qi_ring_entries", "the ring must hold a PRI device's page-request drain: 3 descriptors, "
                                                   "their wait and a spare slot (at least 5)");
  const int cores = s.topology.node(s.topology.cpu()).cores;

  const json& procs = doc["processes"];
  ProcessIndex process_index;
  for (std::size_t i = 0; i < procs.size(); ++i) {
    const std::string path = "/processes/" + std::to_string(i);
    Process p;
    p.name = procs[i]["name"].get<std::string>();
    if (procs[i].contains("memory")) {
      const json& m = procs[i]["memory"];
      p.memory.pages = m.value("pages", p.memory.pages);
      const auto kib = m.value("page_size_kib", 4);
      p.memory.page_shift = kib == 1048576 ? 30 : kib == 2048 ? 21 : 12;
      const std::uint64_t per_page = 1ULL << (p.memory.page_shift - 12);
      if (p.memory.pages % per_page != 0)
        throw InputError(path + "/memory/pages", "with " + std::string(kib == 2048 ? "2 MiB" : "1 GiB") +
                                                     " pages the memory must be a multiple of " + std::to_string(per_page) +
                                                     " pages (4 KiB units)");
    }
    if (!process_index.emplace(p.name, static_cast<int>(s.processes.size())).second)
      throw InputError(path + "/name", "duplicate process name \"" + p.name + "\"");
    const json& bind = procs[i]["bind"];
    if (bind.is_string()) {  // "all": every device SVA can bind, i.e. with PASID
      for (std::size_t d = 0; d < s.topology.devices().size(); ++d)
        if (s.topology.node(s.topology.devices()[d]).caps.pasid) p.binds.push_back({static_cast<int>(d), 0.0, -1});
    } else {
      std::vector<bool> listed(s.topology.devices().size(), false);
      for (std::size_t b = 0; b < bind.size(); ++b) {
        const std::string dev = bind[b]["device"].get<std::string>();
        const std::string bpath = path + "/bind/" + std::to_string(b);
        if (!s.topology.has(dev))
          throw InputError(bpath + "/device", "unknown device \"" + dev + "\"");
        const Node& n = s.topology.node(s.topology.find(dev));
        if (n.kind != NodeKind::device)
          throw InputError(bpath + "/device", "\"" + dev + "\" is a " + to_string(n.kind) + ", not a device");
        if (!n.caps.pasid)
          throw InputError(bpath + "/device", "device \"" + dev + "\" has no PASID capability: SVA cannot bind it");
        if (listed[static_cast<std::size_t>(n.index)])
          throw InputError(bpath + "/device", "device \"" + dev + "\" is listed twice (churn binds a device repeatedly)");
        listed[static_cast<std::size_t>(n.index)] = true;
        BindEvent e{n.index, bind[b].contains("at_us") ? us_to_ns(bind[b]["at_us"]) : 0.0, -1};
        if (bind[b].contains("unbind_at_us")) {
          e.unbind_at_ns = us_to_ns(bind[b]["unbind_at_us"]);
          if (e.unbind_at_ns < e.at_ns) throw InputError(bpath + "/unbind_at_us", "the unbind comes before the bind");
        }
        p.binds.push_back(e);
      }
    }
    if (procs[i].contains("churn")) add_churn(p, procs[i]["churn"], path + "/churn", s);
    if (procs[i].contains("exit_at_us")) {
      p.exit_at_ns = us_to_ns(procs[i]["exit_at_us"]);
      // A bind listed at or after the exit cannot happen; churn simply ends there. Unbinds after the exit
      // find the binding released (the exit tears every binding down) and do nothing.
      for (std::size_t b = 0; b < (bind.is_array() ? bind.size() : 0); ++b)
        if (bind[b].contains("at_us") && us_to_ns(bind[b]["at_us"]) >= p.exit_at_ns)
          throw InputError(path + "/bind/" + std::to_string(b) + "/at_us", "the bind comes at or after the process exits (exit_at_us)");
      std::erase_if(p.binds, [&](const BindEvent& e) { return e.at_ns >= p.exit_at_ns; });
    }
    std::stable_sort(p.binds.begin(), p.binds.end(), [](const BindEvent& a, const BindEvent& b) { return a.at_ns < b.at_ns; });
    s.processes.push_back(std::move(p));
  }

  const json& workload = doc["workload"];
  if (workload.value("unmaps", json::array()).empty() && workload.value("dma", json::array()).empty())
    throw InputError("/workload", "expected at least one stream in \"unmaps\" or \"dma\"");
  const json unmaps = workload.value("unmaps", json::array());
  for (std::size_t i = 0; i < unmaps.size(); ++i) {
    const std::string path = "/workload/unmaps/" + std::to_string(i);
    const json& u = unmaps[i];
    UnmapStream st;
    st.process = process_of(process_index, u["process"], path);
    st.cpu = u.value("cpu", 0);
    if (st.cpu >= cores)
      throw InputError(path + "/cpu", "cpu " + std::to_string(st.cpu) + " does not exist (the CPU has " +
                                          std::to_string(cores) + " cores: 0.." + std::to_string(cores - 1) + ")");
    const int threads = u.value("threads", 1);
    if (st.cpu + threads > cores)
      throw InputError(path + "/threads", std::to_string(threads) + " threads from cpu " + std::to_string(st.cpu) +
                                              " need cores up to " + std::to_string(st.cpu + threads - 1) + " (the CPU has " +
                                              std::to_string(cores) + ")");
    const json& a = u["arrival"];
    if (a.contains("periodic_us")) {
      st.arrival = UnmapStream::Arrival::periodic;
      st.interval_ns = us_to_ns(a["periodic_us"]);
    } else if (a.contains("poisson_per_ms")) {
      st.arrival = UnmapStream::Arrival::poisson;
      st.interval_ns = 1e6 / a["poisson_per_ms"].get<double>();
    } else {
      st.arrival = UnmapStream::Arrival::times;
      for (const auto& t : a["at_us"]) st.at_ns.push_back(us_to_ns(t));
      std::sort(st.at_ns.begin(), st.at_ns.end());
    }
    if (a.contains("start_us")) st.start_ns = us_to_ns(a["start_us"]);
    if (u.contains("count")) st.count = u["count"].get<std::int64_t>();
    st.pages = u.contains("pages") ? Distribution::from_json(u["pages"], path + "/pages") : Distribution::from_json(json(1), path);
    if (st.pages.kind != Distribution::Kind::choice ? st.pages.lo == 0
                                                     : std::count(st.pages.values.begin(), st.pages.values.end(), 0u) > 0)
      throw InputError(path + "/pages", "an unmap covers at least one page");
    const std::uint64_t mem_pages = s.processes[st.process].memory.pages;
    st.start_page = u.contains("start_page") ? Distribution::from_json(u["start_page"], path + "/start_page")
                                             : Distribution::from_json(json{{"uniform", {0, mem_pages - 1}}}, path);
    // Every unmap starts inside the process memory (pages are 4 KiB units, like memory.pages).
    if (u.contains("start_page") && st.start_page.max_value() >= mem_pages)
      throw InputError(path + "/start_page", "beyond the process memory (" + std::to_string(mem_pages) + " pages)");
    if (st.pages.max_value() > mem_pages)
      throw InputError(path + "/pages", "more pages than the process memory (" + std::to_string(mem_pages) + " pages)");
    st.full_range = u.value("full_range", false);
    if (st.full_range && (u.contains("pages") || u.contains("start_page")))
      throw InputError(path + (u.contains("pages") ? "/pages" : "/start_page"),
                       "a full-range invalidation covers everything: pages and start_page do not apply");
    if (u.contains("retouch_after_us")) st.retouch_after_ns = us_to_ns(u["retouch_after_us"]);
    if (u.contains("kind")) {
      const UnmapKind* k = unmap_kind_from_name(u["kind"].get<std::string>());
      if (!k) throw InputError(path + "/kind", "unknown unmap kind (expected munmap, madvise-dontneed or reclaim)");
      st.kind = *k;
      if (st.full_range && st.kind == UnmapKind::reclaim)
        throw InputError(path + "/kind", "reclaim unmaps pages one by one: a full-range invalidation does not apply");
    }
    for (int t = 0; t < threads; ++t) {
      s.unmaps.push_back(st);
      s.unmaps.back().cpu = st.cpu + t;
    }
  }

  const json dma = workload.value("dma", json::array());
  for (std::size_t i = 0; i < dma.size(); ++i) s.dma.push_back(dma_stream_from_json(dma[i], "/workload/dma/" + std::to_string(i), s, process_index));

  // Refuse before anything is built what would not fit: the estimate names its largest part.
  const Footprint fp = estimate_footprint(s);
  if (fp.total() > kMaxFootprintBytes) {
    char gib[32];
    std::snprintf(gib, sizeof gib, "%.1f", fp.total() / (1ULL << 30));
    throw InputError(fp.largest().rfind("page", 0) == 0 ? "/processes" : "/topology",
                     std::string("the simulation would need about ") + gib + " GiB, mostly for " + fp.largest() +
                         "; at most 8 GiB (use fewer devices or smaller memories)");
  }

  // The effective scenario: what actually runs, topology expanded, so its hash identifies the run.
  doc["topology"] = s.topology.to_json();
  doc["seed"] = s.seed;
  s.effective = std::move(doc);
  s.hash = "fnv1a64:" + hex64(fnv1a64(s.effective.dump()));
  json experiment = s.effective;
  for (const std::string treatment : {"name", "description", "profile", "models", "environment", "platform", "params", "$schema"})
    experiment.erase(treatment);
  s.workload_hash = "fnv1a64:" + hex64(fnv1a64(experiment.dump()));
  return s;
}

}  // namespace svasim
