// Topology: parse the "topology" object (explicit or generated), validate it into a tree rooted at
// the CPU, and answer path / link queries. Every input problem is an InputError whose JSON Pointer
// names the offending node, link or generator key.
#include "core/topology.hpp"

#include "core/error.hpp"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

namespace svasim {

const char* to_string(NodeKind k) {
  switch (k) {
  case NodeKind::cpu: return "cpu";
  case NodeKind::iommu: return "iommu";
  case NodeKind::root_port: return "root_port";
  case NodeKind::pcie_switch: return "switch";
  case NodeKind::device: return "device";
  }
  return "unknown";
}

namespace {


// Bounds, mirroring scenarios/scenario.schema.json so both layers report the same limits (they also
// keep a bad input from allocating without limit or overflowing an int).
constexpr std::int64_t kMaxCores = 1024;
constexpr std::int64_t kMaxStreams = 64;
constexpr std::int64_t kMaxIommus = 64;           // generate.iommus
constexpr std::int64_t kMaxDevicesPerIommu = 1024; // generate.devices_per_iommu

struct RawNode {
  Node node;
  std::string ptr;      // the node ("/topology/nodes/3", or "/topology/generate")
  std::string name_ptr; // its name ("/topology/nodes/3/name")
};

struct RawLink {
  std::string from, to;
  Link link;
  std::string ptr, from_ptr, to_ptr;
};

[[noreturn]] void fail(const std::string& ptr, const std::string& message) { throw InputError(ptr, message); }

std::string qname(const std::string& s) { return "\"" + s + "\""; }

std::optional<NodeKind> kind_from_string(const std::string& s) {
  if (s == "cpu") return NodeKind::cpu;
  if (s == "iommu") return NodeKind::iommu;
  if (s == "root_port") return NodeKind::root_port;
  if (s == "switch") return NodeKind::pcie_switch;
  if (s == "device") return NodeKind::device;
  return std::nullopt;
}

bool is_bridge(NodeKind k) { return k == NodeKind::root_port || k == NodeKind::pcie_switch; }

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::int64_t get_int(const nlohmann::json& j, const std::string& ptr, std::int64_t lo, std::int64_t hi) {
  const std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(hi)) fail(ptr, "must be " + range);
    auto s = static_cast<std::int64_t>(v);
    if (s < lo) fail(ptr, "must be " + range);
    return s;
  }
  if (j.is_number_integer()) {
    auto v = j.get<std::int64_t>();
    if (v < lo || v > hi) fail(ptr, "must be " + range);
    return v;
  }
  if (j.is_number_float()) {  // JSON Schema's "integer" admits 4.0
    double d = j.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
      fail(ptr, "must be " + range);
    return static_cast<std::int64_t>(d);
  }
  fail(ptr, "must be " + range);
}

int get_small_int(const nlohmann::json& j, const std::string& ptr, std::int64_t lo, std::int64_t hi) {
  return static_cast<int>(get_int(j, ptr, lo, hi));
}

double get_number(const nlohmann::json& j, const std::string& ptr, bool allow_zero) {
  const char* what = allow_zero ? "must be a number >= 0" : "must be a number > 0";
  if (!j.is_number()) fail(ptr, what);
  double d = j.get<double>();
  if (!std::isfinite(d) || d < 0 || (!allow_zero && d == 0)) fail(ptr, what);
  return d;
}

bool get_bool(const nlohmann::json& j, const std::string& ptr) {
  if (!j.is_boolean()) fail(ptr, "must be true or false");
  return j.get<bool>();
}

std::string get_string(const nlohmann::json& j, const std::string& ptr) {
  if (!j.is_string()) fail(ptr, "must be a string");
  return j.get<std::string>();
}

void require_object(const nlohmann::json& j, const std::string& ptr) {
  if (!j.is_object()) fail(ptr, "must be an object");
}

// Reads the optional device keys of `obj` (a node or the generator's device template) over `caps`.
DeviceCaps parse_caps(const nlohmann::json& obj, const std::string& ptr, DeviceCaps caps) {
  if (auto* v = member(obj, "ats")) caps.ats = get_bool(*v, ptr + "/ats");
  if (auto* v = member(obj, "pri")) caps.pri = get_bool(*v, ptr + "/pri");
  if (auto* v = member(obj, "pasid")) caps.pasid = get_bool(*v, ptr + "/pasid");
  if (auto* v = member(obj, "extra_devtlb_quirk")) caps.extra_devtlb_quirk = get_bool(*v, ptr + "/extra_devtlb_quirk");
  if (auto* v = member(obj, "streams")) caps.streams = get_small_int(*v, ptr + "/streams", 1, kMaxStreams);
  if (auto* v = member(obj, "ats_inv_ns")) {
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0)
      fail(ptr + "/ats_inv_ns", "must be a number >= 0 (omit it to use the device.ats_inv_ns parameter)");
    caps.ats_inv_ns = v->get<double>();
  }
  auto time_us = [&](const char* key, double& out_ns) {
    if (auto* v = member(obj, key)) {
      if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0)
        fail(ptr + "/" + key, "must be a time in us >= 0");
      out_ns = v->get<double>() * 1000.0;
    }
  };
  time_us("stuck_from_us", caps.stuck_from_ns);
  time_us("stuck_until_us", caps.stuck_until_ns);
  time_us("removed_at_us", caps.removed_at_ns);
  if (caps.pri && !caps.ats) fail(ptr + "/pri", "PRI needs ATS: a device without ATS cannot send page requests");
  if (caps.stuck_until_ns >= 0 && caps.stuck_until_ns < caps.stuck_from_ns)
    fail(ptr + "/stuck_until_us", "the device gets unstuck before it gets stuck");
  return caps;
}

// The optional fault keys of an iommu node or of the generator's iommu template: bad_descriptor_at_ns.
double parse_iommu_faults(const nlohmann::json& obj, const std::string& ptr) {
  const nlohmann::json* v = member(obj, "bad_descriptor_at_us");
  if (!v) return -1;
  if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0)
    fail(ptr + "/bad_descriptor_at_us", "must be a time in us >= 0");
  return v->get<double>() * 1000.0;
}

constexpr const char* kDeviceKeys[] = {"ats", "pri", "pasid", "extra_devtlb_quirk", "streams", "ats_inv_ns",
                                       "stuck_from_us", "stuck_until_us", "removed_at_us"};

// latency_ns / bandwidth_gbps of a link object over `base`.
// A PCIe link may be given by generation and width instead ("gen": 4, "lanes": 16): its bandwidth is
// then the line rate after encoding (models/hw/pcie_tlp.cpp), and its width sets its DLLP rate.
Link parse_link_values(const nlohmann::json& obj, const std::string& ptr, Link base) {
  if (auto* v = member(obj, "latency_ns")) base.latency_ns = get_number(*v, ptr + "/latency_ns", true);
  const nlohmann::json* gen = member(obj, "gen");
  const nlohmann::json* lanes = member(obj, "lanes");
  const nlohmann::json* bw = member(obj, "bandwidth_gbps");
  if ((gen || lanes) && bw) fail(ptr, "give either bandwidth_gbps or gen and lanes, not both");
  if (bw) {
    base.bandwidth_gbps = get_number(*bw, ptr + "/bandwidth_gbps", false);
    base.gen = base.lanes = 0;
  }
  if (gen || lanes) {
    if (gen) base.gen = get_small_int(*gen, ptr + "/gen", 1, 6);
    if (lanes) {
      base.lanes = get_small_int(*lanes, ptr + "/lanes", 1, 32);
      if (base.lanes & (base.lanes - 1)) fail(ptr + "/lanes", "must be 1, 2, 4, 8, 16 or 32");
    }
    if (base.gen == 0 || base.lanes == 0) fail(ptr, "a PCIe link needs both \"gen\" and \"lanes\"");
    base.bandwidth_gbps = pcie_link_bytes_per_ns(base.gen, base.lanes);
  }
  return base;
}

Link parse_defaults(const nlohmann::json& topo, const std::string& json_path, Link base) {
  if (auto* d = member(topo, "defaults")) {
    const std::string ptr = json_path + "/defaults";
    require_object(*d, ptr);
    base = parse_link_values(*d, ptr, base);
  }
  return base;
}

void parse_explicit(const nlohmann::json& topo, const std::string& json_path, const Link& defaults,
                    std::vector<RawNode>& nodes, std::vector<RawLink>& links) {
  const nlohmann::json* jn = member(topo, "nodes");
  const nlohmann::json* jl = member(topo, "links");
  if (!jn) fail(json_path, "explicit topology needs \"nodes\"");
  if (!jl) fail(json_path, "explicit topology needs \"links\"");
  if (!jn->is_array()) fail(json_path + "/nodes", "must be an array of nodes");
  if (!jl->is_array()) fail(json_path + "/links", "must be an array of links");

  for (std::size_t i = 0; i < jn->size(); ++i) {
    const std::string ptr = json_path + "/nodes/" + std::to_string(i);
    const nlohmann::json& o = (*jn)[i];
    require_object(o, ptr);
    RawNode rn;
    rn.ptr = ptr;
    rn.name_ptr = ptr + "/name";
    const nlohmann::json* name = member(o, "name");
    if (!name) fail(ptr, "node has no \"name\"");
    rn.node.name = get_string(*name, rn.name_ptr);
    if (rn.node.name.empty()) fail(rn.name_ptr, "node name must not be empty");
    const nlohmann::json* kind = member(o, "kind");
    if (!kind) fail(ptr, "node " + qname(rn.node.name) + " has no \"kind\"");
    auto k = kind_from_string(get_string(*kind, ptr + "/kind"));
    if (!k)
      fail(ptr + "/kind", "unknown node kind " + qname(kind->get<std::string>()) +
                              " (expected cpu, iommu, root_port, switch or device)");
    rn.node.kind = *k;
    if (auto* c = member(o, "cores")) {
      if (*k != NodeKind::cpu) fail(ptr + "/cores", "\"cores\" applies to cpu nodes only");
      rn.node.cores = get_small_int(*c, ptr + "/cores", 1, kMaxCores);
    } else if (*k == NodeKind::cpu) {
      rn.node.cores = 1;
    }
    if (*k == NodeKind::device) {
      rn.node.caps = parse_caps(o, ptr, DeviceCaps{});
    } else {
      for (const char* key : kDeviceKeys)
        if (member(o, key)) fail(ptr + "/" + key, "\"" + std::string(key) + "\" applies to device nodes only");
    }
    if (*k == NodeKind::iommu)
      rn.node.bad_descriptor_at_ns = parse_iommu_faults(o, ptr);
    else if (member(o, "bad_descriptor_at_us"))
      fail(ptr + "/bad_descriptor_at_us", "\"bad_descriptor_at_us\" applies to iommu nodes only");
    nodes.push_back(std::move(rn));
  }

  for (std::size_t i = 0; i < jl->size(); ++i) {
    const std::string ptr = json_path + "/links/" + std::to_string(i);
    const nlohmann::json& o = (*jl)[i];
    require_object(o, ptr);
    RawLink rl;
    rl.ptr = ptr;
    rl.from_ptr = ptr + "/from";
    rl.to_ptr = ptr + "/to";
    const nlohmann::json* from = member(o, "from");
    const nlohmann::json* to = member(o, "to");
    if (!from) fail(ptr, "link has no \"from\"");
    if (!to) fail(ptr, "link has no \"to\"");
    rl.from = get_string(*from, rl.from_ptr);
    rl.to = get_string(*to, rl.to_ptr);
    rl.link = parse_link_values(o, ptr, defaults);
    links.push_back(std::move(rl));
  }
}

void parse_generated(const nlohmann::json& gen, const std::string& json_path, const Link& defaults,
                     std::vector<RawNode>& nodes, std::vector<RawLink>& links) {
  const std::string gp = json_path + "/generate";
  require_object(gen, gp);
  const nlohmann::json* ji = member(gen, "iommus");
  const nlohmann::json* jd = member(gen, "devices_per_iommu");
  if (!ji) fail(gp, "generated topology needs \"iommus\"");
  if (!jd) fail(gp, "generated topology needs \"devices_per_iommu\"");
  const int n_iommu = get_small_int(*ji, gp + "/iommus", 1, kMaxIommus);
  const int per_iommu = get_small_int(*jd, gp + "/devices_per_iommu", 1, kMaxDevicesPerIommu);
  int cores = 1;
  if (auto* c = member(gen, "cpu_cores")) cores = get_small_int(*c, gp + "/cpu_cores", 1, kMaxCores);
  DeviceCaps caps;
  if (auto* d = member(gen, "device")) {
    require_object(*d, gp + "/device");
    caps = parse_caps(*d, gp + "/device", caps);
  }
  double bad_descriptor_at_ns = -1;
  if (auto* m = member(gen, "iommu")) {
    require_object(*m, gp + "/iommu");
    bad_descriptor_at_ns = parse_iommu_faults(*m, gp + "/iommu");
  }
  bool switches = false;
  if (auto* s = member(gen, "switch_per_iommu")) switches = get_bool(*s, gp + "/switch_per_iommu");
  Link cpu_link = defaults, dev_link = defaults;
  if (auto* l = member(gen, "cpu_link")) {
    require_object(*l, gp + "/cpu_link");
    cpu_link = parse_link_values(*l, gp + "/cpu_link", defaults);
  }
  if (auto* l = member(gen, "device_link")) {
    require_object(*l, gp + "/device_link");
    dev_link = parse_link_values(*l, gp + "/device_link", defaults);
  }

  auto add_node = [&](std::string name, NodeKind kind) -> Node& {
    RawNode rn;
    rn.node.name = std::move(name);
    rn.node.kind = kind;
    rn.ptr = gp;
    rn.name_ptr = gp;
    nodes.push_back(std::move(rn));
    return nodes.back().node;
  };
  auto add_link = [&](const std::string& from, const std::string& to, const Link& l) {
    links.push_back(RawLink{from, to, l, gp, gp, gp});
  };
  auto iommu_name = [](int k) { return "dmar" + std::to_string(k); };
  auto switch_name = [](int k) { return "sw" + std::to_string(k); };

  const int n_dev = n_iommu * per_iommu;
  const std::size_t n_sw = switches ? static_cast<std::size_t>(n_iommu) : 0;
  nodes.reserve(1 + static_cast<std::size_t>(n_iommu) + n_sw + static_cast<std::size_t>(n_dev));
  links.reserve(static_cast<std::size_t>(n_iommu) + n_sw + static_cast<std::size_t>(n_dev));
  add_node("cpu0", NodeKind::cpu).cores = cores;
  for (int k = 0; k < n_iommu; ++k) add_node(iommu_name(k), NodeKind::iommu).bad_descriptor_at_ns = bad_descriptor_at_ns;
  if (switches)
    for (int k = 0; k < n_iommu; ++k) add_node(switch_name(k), NodeKind::pcie_switch);
  for (int i = 0; i < n_dev; ++i) add_node("dev" + std::to_string(i), NodeKind::device).caps = caps;

  for (int k = 0; k < n_iommu; ++k) add_link("cpu0", iommu_name(k), cpu_link);
  if (switches)
    for (int k = 0; k < n_iommu; ++k) add_link(iommu_name(k), switch_name(k), dev_link);
  for (int i = 0; i < n_dev; ++i) {
    const int k = i / per_iommu;
    add_link(switches ? switch_name(k) : iommu_name(k), "dev" + std::to_string(i), dev_link);
  }
}

}  // namespace

double pcie_link_bytes_per_ns(int gen, int lanes) {
  static constexpr double kGts[] = {0, 2.5, 5, 8, 16, 32, 64};
  const int g = std::clamp(gen, 1, 6);
  const double encoding = g >= 3 ? 128.0 / 130.0 : 0.8;  // 128b/130b from Gen3, 8b/10b before
  return kGts[g] * lanes * encoding / 8.0;
}

Topology Topology::from_json(const nlohmann::json& topo, const std::string& json_path, const Link& default_link) {
  require_object(topo, json_path);
  const Link defaults = parse_defaults(topo, json_path, default_link);
  const bool has_gen = topo.contains("generate");
  const bool has_explicit = topo.contains("nodes") || topo.contains("links");
  if (has_gen && has_explicit)
    fail(json_path, "topology has both \"generate\" and \"nodes\"/\"links\"; give exactly one form");
  if (!has_gen && !has_explicit) fail(json_path, "topology needs either \"nodes\" and \"links\", or \"generate\"");

  std::vector<RawNode> nodes;
  std::vector<RawLink> links;
  if (has_gen)
    parse_generated(topo.at("generate"), json_path, defaults, nodes, links);
  else
    parse_explicit(topo, json_path, defaults, nodes, links);

  Topology t;
  std::map<std::string, NodeId, std::less<>>& by_name = t.by_name_;
  int counts[5] = {0, 0, 0, 0, 0};
  std::optional<NodeId> cpu;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    RawNode& rn = nodes[i];
    if (auto it = by_name.find(rn.node.name); it != by_name.end())
      fail(rn.name_ptr, "duplicate node name " + qname(rn.node.name) + " (first at " + nodes[it->second].ptr + ")");
    if (rn.node.kind == NodeKind::cpu && cpu)
      fail(rn.ptr, "more than one cpu node: " + qname(rn.node.name) + " and " + qname(nodes[*cpu].node.name));
    rn.node.index = counts[static_cast<int>(rn.node.kind)]++;
    NodeId v = boost::add_vertex(rn.node, t.g_);
    by_name.emplace(rn.node.name, v);
    if (rn.node.kind == NodeKind::cpu) cpu = v;
    if (rn.node.kind == NodeKind::iommu) t.iommus_.push_back(v);
    if (rn.node.kind == NodeKind::device) t.devices_.push_back(v);
  }
  const std::string nodes_ptr = has_gen ? json_path + "/generate" : json_path + "/nodes";
  if (!cpu) fail(nodes_ptr, "no cpu node: exactly one is required");
  if (t.iommus_.empty()) fail(nodes_ptr, "no iommu node: at least one is required");
  t.cpu_ = *cpu;

  // Links: names must resolve; no self-loops, no parallel links.
  std::set<std::pair<NodeId, NodeId>> linked;
  std::vector<std::pair<NodeId, NodeId>> ends;  // per raw link
  ends.reserve(links.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    const RawLink& rl = links[i];
    auto a = by_name.find(rl.from);
    if (a == by_name.end()) fail(rl.from_ptr, "unknown node " + qname(rl.from));
    auto b = by_name.find(rl.to);
    if (b == by_name.end()) fail(rl.to_ptr, "unknown node " + qname(rl.to));
    if (a->second == b->second) fail(rl.ptr, "self-loop: link from " + qname(rl.from) + " to itself");
    if (!linked.emplace(std::min(a->second, b->second), std::max(a->second, b->second)).second)
      fail(rl.ptr, "duplicate link between " + qname(rl.from) + " and " + qname(rl.to));
    boost::add_edge(a->second, b->second, rl.link, t.g_);
    ends.emplace_back(a->second, b->second);
  }

  const TopologyGraph& g = t.g_;
  const std::size_t nv = boost::num_vertices(g);
  auto name_of = [&](NodeId v) { return qname(g[v].name); };
  auto kind_name = [&](NodeId v) { return std::string(to_string(g[v].kind)) + " " + qname(g[v].name); };

  // What each device and bridge reaches, walking only through root ports and switches towards IOMMUs
  // (never through the cpu or another device). Bridges (root ports, switches) form clusters joined only
  // through each other; a bridge reaches the IOMMUs adjacent to its cluster. This runs before the cycle
  // check: a device or bridge under two IOMMUs also closes a cycle through the cpu, and "reaches more
  // than one IOMMU" says what to fix. Linear: each bridge is visited once.
  std::vector<std::size_t> cluster(nv, nv);
  std::vector<std::vector<NodeId>> cluster_iommus;
  for (NodeId s = 0; s < nv; ++s) {
    if (!is_bridge(g[s].kind) || cluster[s] != nv) continue;
    const std::size_t c = cluster_iommus.size();
    cluster_iommus.emplace_back();
    std::vector<NodeId> stack{s};
    cluster[s] = c;
    while (!stack.empty()) {
      NodeId u = stack.back();
      stack.pop_back();
      for (auto [it, end] = boost::adjacent_vertices(u, g); it != end; ++it) {
        NodeId w = *it;
        if (g[w].kind == NodeKind::iommu) {
          cluster_iommus[c].push_back(w);
        } else if (is_bridge(g[w].kind) && cluster[w] == nv) {
          cluster[w] = c;
          stack.push_back(w);
        }
      }
    }
    // The graph may still have cycles, so a cluster can touch one IOMMU twice. Document order.
    std::vector<NodeId>& found = cluster_iommus[c];
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
  }
  auto reached = [&](NodeId v) -> const std::vector<NodeId>& { return cluster_iommus[cluster[v]]; };
  // The IOMMUs a device reaches through all its links: up to two distinct ones, in document order.
  auto device_reach = [&](NodeId d) {
    std::vector<NodeId> found;
    auto add = [&](NodeId m) {
      if (found.empty() || (found.size() == 1 && found[0] != m)) found.push_back(m);
    };
    for (auto [it, end] = boost::adjacent_vertices(d, g); it != end && found.size() < 2; ++it) {
      if (g[*it].kind == NodeKind::iommu) add(*it);
      else if (is_bridge(g[*it].kind))
        for (NodeId m : reached(*it)) {  // deduplicated: at most two steps before found is full
          add(m);
          if (found.size() == 2) break;
        }
    }
    std::sort(found.begin(), found.end());
    return found;
  };
  auto two_names = [&](const std::vector<NodeId>& found) { return name_of(found[0]) + " and " + name_of(found[1]); };
  // In document order, the first bridge reaching two IOMMUs, or the first device whose several links
  // lead to two. A device with one link inherits its bridge's problem, which is reported at the bridge.
  for (NodeId v = 0; v < nv; ++v) {
    if (is_bridge(g[v].kind)) {
      const std::vector<NodeId>& found = reached(v);
      if (found.size() > 1)
        fail(nodes[v].ptr, kind_name(v) + " reaches more than one IOMMU: " + two_names(found) +
                               "; a root port or switch must sit below exactly one IOMMU");
    } else if (g[v].kind == NodeKind::device && boost::degree(v, g) > 1) {
      const std::vector<NodeId> found = device_reach(v);
      if (found.size() > 1)
        fail(nodes[v].ptr, "device " + name_of(v) + " reaches more than one IOMMU: " + two_names(found) + " (it has " +
                               std::to_string(boost::degree(v, g)) +
                               " links); a device must be a leaf linked to exactly one IOMMU, root port or switch");
    }
  }

  // Cycles: add the links in document order (union-find); the first one joining two nodes that are
  // already connected closes a cycle, and is the one reported.
  {
    std::vector<NodeId> uf(nv);
    std::vector<std::size_t> comp_size(nv, 1);
    for (NodeId v = 0; v < nv; ++v) uf[v] = v;
    auto root = [&](NodeId x) {
      while (uf[x] != x) {
        uf[x] = uf[uf[x]];
        x = uf[x];
      }
      return x;
    };
    for (std::size_t i = 0; i < links.size(); ++i) {
      const auto [a, b] = ends[i];
      NodeId ra = root(a), rb = root(b);
      if (ra != rb) {
        if (comp_size[ra] < comp_size[rb]) std::swap(ra, rb);
        uf[rb] = ra;
        comp_size[ra] += comp_size[rb];
        continue;
      }
      // The cycle: the path from a to b over the earlier links (a forest), then this link back to a.
      std::vector<std::vector<NodeId>> adj(nv);
      for (std::size_t j = 0; j < i; ++j) {
        adj[ends[j].first].push_back(ends[j].second);
        adj[ends[j].second].push_back(ends[j].first);
      }
      std::vector<NodeId> from(nv, nv);
      std::vector<NodeId> queue{b};
      from[b] = b;
      for (std::size_t q = 0; q < queue.size() && from[a] == nv; ++q)
        for (NodeId w : adj[queue[q]])
          if (from[w] == nv) {
            from[w] = queue[q];
            queue.push_back(w);
          }
      std::vector<NodeId> cyc;
      for (NodeId u = a; u != b; u = from[u]) cyc.push_back(u);
      cyc.push_back(b);
      cyc.push_back(a);
      constexpr std::size_t kShown = 5;  // names shown at each end of a long cycle
      std::string text;
      for (std::size_t k = 0; k < cyc.size(); ++k) {
        if (cyc.size() > 2 * kShown + 1 && k == kShown) {
          text += " - ...";
          k = cyc.size() - kShown - 1;
          continue;
        }
        text += (k ? " - " : "") + name_of(cyc[k]);
      }
      fail(links[i].ptr, "the link between " + name_of(a) + " and " + name_of(b) + " closes a cycle (" + text +
                             "); the topology must be a tree");
    }
  }

  // Devices and bridges, now on a forest (none reaches more than one IOMMU: reported above).
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto [a, b] = ends[i];
    if (g[a].kind == NodeKind::device && g[b].kind == NodeKind::device)
      fail(links[i].ptr, "device " + name_of(a) + " is linked directly to device " + name_of(b));
  }

  t.device_iommu_.assign(t.devices_.size(), -1);
  for (NodeId d : t.devices_) {
    if (boost::degree(d, g) == 0) fail(nodes[d].ptr, "device " + name_of(d) + " reaches no IOMMU: it has no links");
    if (boost::degree(d, g) != 1)
      fail(nodes[d].ptr, "device " + name_of(d) + " must be a leaf linked to exactly one node, has " +
                             std::to_string(boost::degree(d, g)) + " links");
    const NodeId up = *boost::adjacent_vertices(d, g).first;
    std::vector<NodeId> found;
    if (g[up].kind == NodeKind::iommu) found = {up};
    else if (is_bridge(g[up].kind)) found = reached(up);
    if (found.empty())
      fail(nodes[d].ptr, "device " + name_of(d) + " reaches no IOMMU (through root ports and switches)");
    t.device_iommu_[static_cast<std::size_t>(g[d].index)] = g[found[0]].index;
  }

  // Root ports and switches sit between one IOMMU and devices.
  const std::string between = "; root ports and switches must sit between an IOMMU and devices";
  for (NodeId v = 0; v < nv; ++v) {
    if (!is_bridge(g[v].kind)) continue;
    if (boost::edge(v, *cpu, g).second) fail(nodes[v].ptr, kind_name(v) + " is linked to the cpu" + between);
    const std::vector<NodeId>& found = reached(v);
    if (found.empty()) fail(nodes[v].ptr, kind_name(v) + " reaches no IOMMU" + between);
  }
  // Each bridge needs a device below it: root every cluster at its IOMMU, then mark upwards from the
  // devices (stopping at marked bridges, so linear overall).
  std::vector<NodeId> bridge_up(nv, nv);
  for (NodeId m : t.iommus_) {
    std::vector<NodeId> stack;
    for (auto [it, end] = boost::adjacent_vertices(m, g); it != end; ++it)
      if (is_bridge(g[*it].kind)) {
        bridge_up[*it] = m;
        stack.push_back(*it);
      }
    while (!stack.empty()) {
      NodeId u = stack.back();
      stack.pop_back();
      for (auto [it, end] = boost::adjacent_vertices(u, g); it != end; ++it)
        if (is_bridge(g[*it].kind) && bridge_up[*it] == nv) {
          bridge_up[*it] = u;
          stack.push_back(*it);
        }
    }
  }
  std::vector<char> has_device(nv, 0);
  for (NodeId d : t.devices_)
    for (NodeId u = *boost::adjacent_vertices(d, g).first; is_bridge(g[u].kind) && !has_device[u]; u = bridge_up[u])
      has_device[u] = 1;
  for (NodeId v = 0; v < nv; ++v)
    if (is_bridge(g[v].kind) && !has_device[v])
      fail(nodes[v].ptr, kind_name(v) + " has no device behind it" + between);

  // Every IOMMU hangs directly off the CPU.
  for (NodeId m : t.iommus_)
    if (!boost::edge(m, t.cpu_, g).second)
      fail(nodes[m].ptr, "iommu " + name_of(m) + " is not linked to the cpu " + name_of(t.cpu_));

  // The checks above make the graph a tree (connected: every node reaches the CPU). Root it there.
  t.parent_.assign(nv, nv);
  t.depth_.assign(nv, 0);
  t.parent_[t.cpu_] = t.cpu_;
  boost::breadth_first_search(
      g, t.cpu_,
      boost::visitor(boost::make_bfs_visitor(std::make_pair(
          boost::record_predecessors(
              boost::make_iterator_property_map(t.parent_.begin(), boost::get(boost::vertex_index, g)),
              boost::on_tree_edge()),
          boost::record_distances(
              boost::make_iterator_property_map(t.depth_.begin(), boost::get(boost::vertex_index, g)),
              boost::on_tree_edge())))));
  for (NodeId v = 0; v < nv; ++v)
    if (t.parent_[v] == nv)  // unreachable by construction; keep the invariant explicit
      fail(nodes[v].ptr, kind_name(v) + " is not connected to the cpu");
  return t;
}

NodeId Topology::find(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw std::out_of_range("topology has no node \"" + name + "\"");
  return it->second;
}

bool Topology::has(const std::string& name) const { return by_name_.count(name) != 0; }

std::vector<std::pair<NodeId, NodeId>> Topology::path(NodeId from, NodeId to) const {
  const std::size_t nv = boost::num_vertices(g_);
  if (from >= nv || to >= nv || parent_.size() != nv) throw std::out_of_range("Topology::path: no such node");
  std::vector<std::pair<NodeId, NodeId>> up, down;
  NodeId a = from, b = to;
  while (depth_[a] > depth_[b]) { up.emplace_back(a, parent_[a]); a = parent_[a]; }
  while (depth_[b] > depth_[a]) { down.emplace_back(parent_[b], b); b = parent_[b]; }
  while (a != b) {
    up.emplace_back(a, parent_[a]);
    a = parent_[a];
    down.emplace_back(parent_[b], b);
    b = parent_[b];
  }
  up.insert(up.end(), down.rbegin(), down.rend());
  return up;
}

const Link& Topology::link(NodeId a, NodeId b) const {
  const std::size_t nv = boost::num_vertices(g_);
  if (a >= nv || b >= nv) throw std::out_of_range("Topology::link: no such node");
  auto [e, ok] = boost::edge(a, b, g_);
  if (!ok) throw std::out_of_range("Topology::link: no link between \"" + g_[a].name + "\" and \"" + g_[b].name + "\"");
  return g_[e];
}

nlohmann::json Topology::to_json() const {
  nlohmann::json nodes = nlohmann::json::array(), links = nlohmann::json::array();
  for (NodeId v = 0; v < boost::num_vertices(g_); ++v) {
    const Node& n = g_[v];
    nlohmann::json o = {{"name", n.name}, {"kind", to_string(n.kind)}};
    if (n.kind == NodeKind::cpu) o["cores"] = n.cores;
    if (n.bad_descriptor_at_ns >= 0) o["bad_descriptor_at_us"] = n.bad_descriptor_at_ns / 1000.0;
    if (n.kind == NodeKind::device) {
      o["ats"] = n.caps.ats;
      o["pri"] = n.caps.pri;
      o["pasid"] = n.caps.pasid;
      o["streams"] = n.caps.streams;
      o["extra_devtlb_quirk"] = n.caps.extra_devtlb_quirk;
      if (n.caps.ats_inv_ns >= 0) o["ats_inv_ns"] = n.caps.ats_inv_ns;  // absent: the parameter applies
      if (n.caps.stuck_from_ns >= 0) o["stuck_from_us"] = n.caps.stuck_from_ns / 1000.0;
      if (n.caps.stuck_until_ns >= 0) o["stuck_until_us"] = n.caps.stuck_until_ns / 1000.0;
      if (n.caps.removed_at_ns >= 0) o["removed_at_us"] = n.caps.removed_at_ns / 1000.0;
    }
    nodes.push_back(std::move(o));
  }
  // Edges of an undirected adjacency_list iterate in insertion order (document / generation order).
  for (auto [it, end] = boost::edges(g_); it != end; ++it) {
    const Link& l = g_[*it];
    links.push_back({{"from", g_[boost::source(*it, g_)].name},
                     {"to", g_[boost::target(*it, g_)].name},
                     {"latency_ns", l.latency_ns}});
    if (l.gen > 0) {
      links.back()["gen"] = l.gen;
      links.back()["lanes"] = l.lanes;
    } else {
      links.back()["bandwidth_gbps"] = l.bandwidth_gbps;
    }
  }
  return {{"nodes", std::move(nodes)}, {"links", std::move(links)}};
}

}  // namespace svasim
