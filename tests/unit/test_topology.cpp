#include "core/error.hpp"
#include "core/topology.hpp"

#include <catch2/catch.hpp>

#include <string>

using nlohmann::json;
using svasim::InputError;
using svasim::NodeKind;
using svasim::Topology;

namespace {

// cpu0 -> dmar0 -> rp0 -> {dsa0, sw0 -> qat0}, cpu0 -> dmar1 -> nvme0
json explicit_topology() {
  return json::parse(R"({
    "nodes": [
      {"name": "cpu0", "kind": "cpu", "cores": 4},
      {"name": "dmar0", "kind": "iommu"},
      {"name": "dmar1", "kind": "iommu"},
      {"name": "rp0", "kind": "root_port"},
      {"name": "sw0", "kind": "switch"},
      {"name": "dsa0", "kind": "device", "ats": true, "pri": true, "pasid": true, "streams": 2,
       "extra_devtlb_quirk": false, "ats_inv_ns": 3000},
      {"name": "qat0", "kind": "device", "extra_devtlb_quirk": true},
      {"name": "nvme0", "kind": "device", "ats": false, "pasid": false}
    ],
    "links": [
      {"from": "cpu0", "to": "dmar0", "latency_ns": 100, "bandwidth_gbps": 32},
      {"from": "cpu0", "to": "dmar1"},
      {"from": "dmar0", "to": "rp0", "latency_ns": 150, "bandwidth_gbps": 16},
      {"from": "rp0", "to": "dsa0", "latency_ns": 200, "bandwidth_gbps": 8},
      {"from": "rp0", "to": "sw0", "latency_ns": 50},
      {"from": "sw0", "to": "qat0", "latency_ns": 60, "bandwidth_gbps": 4},
      {"from": "nvme0", "to": "dmar1", "latency_ns": 70, "bandwidth_gbps": 2}
    ]
  })");
}

// The minimal valid explicit topology: cpu0 - dmar0 - dev0.
json minimal() {
  return json::parse(R"({
    "nodes": [{"name": "cpu0", "kind": "cpu"}, {"name": "dmar0", "kind": "iommu"}, {"name": "dev0", "kind": "device"}],
    "links": [{"from": "cpu0", "to": "dmar0"}, {"from": "dmar0", "to": "dev0"}]
  })");
}

json mk_node(const std::string& name, const std::string& kind) { return {{"name", name}, {"kind", kind}}; }
json mk_link(const std::string& from, const std::string& to) { return {{"from", from}, {"to", to}}; }

// Names along a path, "a-b,b-c".
std::string path_names(const Topology& t, const std::string& from, const std::string& to) {
  std::string s;
  for (auto [a, b] : t.path(t.find(from), t.find(to))) {
    if (!s.empty()) s += ",";
    s += t.node(a).name + "-" + t.node(b).name;
  }
  return s;
}

double path_latency(const Topology& t, const std::string& from, const std::string& to) {
  double sum = 0;
  for (auto [a, b] : t.path(t.find(from), t.find(to))) sum += t.link(a, b).latency_ns;
  return sum;
}

// Expects from_json(topo, "/topology") to fail at `pointer` with `word` in the message.
void expect_error(const json& topo, const std::string& pointer, const std::string& word) {
  INFO("topology: " << topo.dump());
  try {
    Topology::from_json(topo, "/topology");
    FAIL("no InputError; expected " << pointer << ": ..." << word << "...");
  } catch (const InputError& e) {
    INFO("got " << e.path() << ": " << e.what());
    CHECK(e.path() == pointer);
    CHECK(std::string(e.what()).find(word) != std::string::npos);
  }
}

// The InputError from_json(topo, "/topology") throws, as "pointer: message" ("" if none).
std::string error_of(const json& topo) {
  try {
    Topology::from_json(topo, "/topology");
  } catch (const InputError& e) {
    return e.path() + ": " + e.what();
  }
  return "";
}

// minimal() plus the given nodes and links, in that order after the existing ones.
json extended(std::initializer_list<json> more_nodes, std::initializer_list<json> more_links) {
  json t = minimal();
  for (const json& n : more_nodes) t["nodes"].push_back(n);
  for (const json& l : more_links) t["links"].push_back(l);
  return t;
}

}  // namespace

TEST_CASE("explicit topology builds", "[topology]") {
  const Topology t = Topology::from_json(explicit_topology(), "/topology");
  CHECK(boost::num_vertices(t.graph()) == 8);
  CHECK(boost::num_edges(t.graph()) == 7);
  CHECK(t.node(t.cpu()).name == "cpu0");
  CHECK(t.node(t.cpu()).cores == 4);
  CHECK(t.node(t.cpu()).index == 0);
  REQUIRE(t.iommus().size() == 2);
  CHECK(t.node(t.iommus()[0]).name == "dmar0");
  CHECK(t.node(t.iommus()[1]).name == "dmar1");
  CHECK(t.node(t.iommus()[1]).index == 1);
  REQUIRE(t.devices().size() == 3);
  CHECK(t.node(t.devices()[0]).name == "dsa0");
  CHECK(t.node(t.devices()[1]).name == "qat0");
  CHECK(t.node(t.devices()[2]).name == "nvme0");
  CHECK(t.node(t.devices()[2]).index == 2);
  CHECK(t.node(t.find("rp0")).kind == NodeKind::root_port);
  CHECK(t.node(t.find("rp0")).index == 0);
  CHECK(t.node(t.find("sw0")).kind == NodeKind::pcie_switch);
  CHECK(t.node(t.find("sw0")).index == 0);

  SECTION("device capabilities, defaults where omitted") {
    const auto& dsa = t.node(t.find("dsa0")).caps;
    CHECK(dsa.ats);
    CHECK(dsa.pri);
    CHECK(dsa.pasid);
    CHECK(dsa.streams == 2);
    CHECK_FALSE(dsa.extra_devtlb_quirk);
    CHECK(dsa.ats_inv_ns == 3000);
    const auto& qat = t.node(t.find("qat0")).caps;
    CHECK(qat.extra_devtlb_quirk);
    CHECK(qat.ats == svasim::DeviceCaps{}.ats);
    CHECK(qat.pri == svasim::DeviceCaps{}.pri);
    CHECK(qat.streams == 1);
    CHECK(qat.ats_inv_ns < 0);
    const auto& nvme = t.node(t.find("nvme0")).caps;
    CHECK_FALSE(nvme.ats);
    CHECK_FALSE(nvme.pasid);
  }

  SECTION("device -> IOMMU") {
    CHECK(t.iommu_of_device(0) == 0);
    CHECK(t.iommu_of_device(1) == 0);
    CHECK(t.iommu_of_device(2) == 1);
  }

  SECTION("find / has") {
    CHECK(t.has("qat0"));
    CHECK_FALSE(t.has("qat9"));
    CHECK_THROWS_AS(t.find("qat9"), std::out_of_range);
  }

  SECTION("links: given values, defaults, either direction") {
    CHECK(t.link(t.find("cpu0"), t.find("dmar0")).latency_ns == 100);
    CHECK(t.link(t.find("dmar0"), t.find("cpu0")).bandwidth_gbps == 32);
    CHECK(t.link(t.find("cpu0"), t.find("dmar1")).latency_ns == 150);  // built-in default
    CHECK(t.link(t.find("cpu0"), t.find("dmar1")).bandwidth_gbps == Approx(8 * 16 * 128.0 / 130 / 8));  // Gen4 x8
    CHECK(t.link(t.find("rp0"), t.find("sw0")).latency_ns == 50);
    CHECK(t.link(t.find("rp0"), t.find("sw0")).bandwidth_gbps == Approx(8 * 16 * 128.0 / 130 / 8));
    CHECK_THROWS_AS(t.link(t.find("cpu0"), t.find("dsa0")), std::out_of_range);
  }

  SECTION("paths") {
    CHECK(path_names(t, "cpu0", "qat0") == "cpu0-dmar0,dmar0-rp0,rp0-sw0,sw0-qat0");
    CHECK(path_latency(t, "cpu0", "qat0") == 100 + 150 + 50 + 60);
    CHECK(path_names(t, "qat0", "cpu0") == "qat0-sw0,sw0-rp0,rp0-dmar0,dmar0-cpu0");
    CHECK(path_names(t, "dsa0", "qat0") == "dsa0-rp0,rp0-sw0,sw0-qat0");
    CHECK(path_latency(t, "dsa0", "qat0") == 200 + 50 + 60);
    CHECK(path_names(t, "dmar0", "nvme0") == "dmar0-cpu0,cpu0-dmar1,dmar1-nvme0");
    CHECK(path_latency(t, "dmar0", "nvme0") == 100 + 150 + 70);
    CHECK(t.path(t.find("sw0"), t.find("sw0")).empty());
    CHECK_THROWS_AS(t.path(t.cpu(), 99), std::out_of_range);
  }
}

TEST_CASE("link defaults come from the defaults member", "[topology]") {
  json topo = minimal();
  topo["defaults"] = {{"latency_ns", 300}, {"bandwidth_gbps", 8}};
  topo["links"][1]["latency_ns"] = 20;
  const Topology t = Topology::from_json(topo, "/topology");
  CHECK(t.link(t.find("cpu0"), t.find("dmar0")).latency_ns == 300);
  CHECK(t.link(t.find("cpu0"), t.find("dmar0")).bandwidth_gbps == 8);
  CHECK(t.link(t.find("dmar0"), t.find("dev0")).latency_ns == 20);
  CHECK(t.link(t.find("dmar0"), t.find("dev0")).bandwidth_gbps == 8);
  CHECK(t.node(t.cpu()).cores == 1);
}

TEST_CASE("generated topology builds", "[topology]") {
  SECTION("devices directly under IOMMUs") {
    const json topo = {{"generate",
                        {{"iommus", 2},
                         {"devices_per_iommu", 4},
                         {"cpu_cores", 8},
                         {"device", {{"ats", true}, {"pri", true}, {"streams", 3}}},
                         {"cpu_link", {{"latency_ns", 80}, {"bandwidth_gbps", 64}}},
                         {"device_link", {{"latency_ns", 400}}}}}};
    const Topology t = Topology::from_json(topo, "/topology");
    CHECK(boost::num_vertices(t.graph()) == 1 + 2 + 8);
    CHECK(boost::num_edges(t.graph()) == 2 + 8);
    CHECK(t.node(t.cpu()).name == "cpu0");
    CHECK(t.node(t.cpu()).cores == 8);
    REQUIRE(t.iommus().size() == 2);
    CHECK(t.node(t.iommus()[1]).name == "dmar1");
    REQUIRE(t.devices().size() == 8);
    for (int i = 0; i < 8; ++i) {
      const auto& d = t.node(t.devices()[static_cast<std::size_t>(i)]);
      CHECK(d.name == "dev" + std::to_string(i));
      CHECK(d.index == i);
      CHECK(d.caps.pri);
      CHECK(d.caps.streams == 3);
      CHECK(t.iommu_of_device(i) == i / 4);
    }
    CHECK(path_names(t, "cpu0", "dev5") == "cpu0-dmar1,dmar1-dev5");
    CHECK(path_latency(t, "cpu0", "dev5") == 80 + 400);
    CHECK(t.link(t.find("dmar1"), t.find("dev5")).bandwidth_gbps == Approx(8 * 16 * 128.0 / 130 / 8));
    CHECK(t.link(t.find("cpu0"), t.find("dmar0")).bandwidth_gbps == 64);
  }

  SECTION("one switch per IOMMU, defaults") {
    const json topo = {{"generate", {{"iommus", 3},
                                      {"devices_per_iommu", 2},
                                      {"switch_per_iommu", true},
                                      {"device_link", {{"latency_ns", 90}}}}}};
    const Topology t = Topology::from_json(topo, "/topology");
    CHECK(boost::num_vertices(t.graph()) == 1 + 3 + 3 + 6);
    CHECK(boost::num_edges(t.graph()) == 3 + 3 + 6);
    CHECK(t.node(t.cpu()).cores == 1);
    CHECK(t.node(t.find("sw2")).kind == NodeKind::pcie_switch);
    CHECK(t.node(t.find("sw2")).index == 2);
    CHECK(t.iommu_of_device(3) == 1);
    CHECK(t.iommu_of_device(4) == 2);
    CHECK(path_names(t, "cpu0", "dev3") == "cpu0-dmar1,dmar1-sw1,sw1-dev3");
    CHECK(path_latency(t, "cpu0", "dev3") == 150 + 2 * 90);  // cpu_link: built-in default
    CHECK(path_names(t, "dev0", "dev1") == "dev0-sw0,sw0-dev1");
    const auto caps = t.node(t.devices()[0]).caps;
    CHECK(caps.ats == svasim::DeviceCaps{}.ats);
    CHECK(caps.ats_inv_ns < 0);
  }
}

TEST_CASE("to_json round trip", "[topology]") {
  SECTION("explicit") {
    const json once = Topology::from_json(explicit_topology(), "/topology").to_json();
    const json twice = Topology::from_json(once, "/topology").to_json();
    CHECK(once == twice);
    CHECK(once.at("nodes").size() == 8);
    CHECK(once.at("links").size() == 7);
    CHECK(once.at("nodes")[4].at("kind") == "switch");
    CHECK(once.at("nodes")[0].at("cores") == 4);
    // effective fields: every device key, every link value
    CHECK(once.at("nodes")[6].at("pri") == svasim::DeviceCaps{}.pri);
    CHECK(once.at("nodes")[5].at("ats_inv_ns") == 3000.0);
    CHECK_FALSE(once.at("nodes")[6].contains("ats_inv_ns"));  // absent: the parameter applies
    CHECK(once.at("links")[1].at("latency_ns") == 150.0);
    CHECK(once.at("links")[6].at("from") == "nvme0");  // direction as written
  }
  SECTION("generated expands to the explicit form") {
    const json topo = {{"generate", {{"iommus", 2}, {"devices_per_iommu", 3}, {"switch_per_iommu", true}}}};
    const json once = Topology::from_json(topo, "/topology").to_json();
    CHECK_FALSE(once.contains("generate"));
    CHECK(once.at("nodes").size() == 1 + 2 + 2 + 6);
    const json twice = Topology::from_json(once, "/topology").to_json();
    CHECK(once == twice);
  }
}

TEST_CASE("topology form and field errors", "[topology]") {
  expect_error(json::array(), "/topology", "object");
  expect_error(json::object(), "/topology", "generate");
  json both = minimal();
  both["generate"] = {{"iommus", 1}, {"devices_per_iommu", 1}};
  expect_error(both, "/topology", "both");
  expect_error({{"nodes", json::array()}}, "/topology", "links");
  expect_error({{"nodes", 3}, {"links", json::array()}}, "/topology/nodes", "array");

  json t = minimal();
  t["nodes"][1]["kind"] = "gpu";
  expect_error(t, "/topology/nodes/1/kind", "unknown node kind");
  t = minimal();
  t["nodes"][2].erase("name");
  expect_error(t, "/topology/nodes/2", "name");
  t = minimal();
  t["nodes"][2] = "dev0";
  expect_error(t, "/topology/nodes/2", "object");
  t = minimal();
  t["nodes"][2]["streams"] = 65;
  expect_error(t, "/topology/nodes/2/streams", "integer");
  t = minimal();
  t["nodes"][2]["ats"] = "yes";
  expect_error(t, "/topology/nodes/2/ats", "true or false");
  t = minimal();
  t["nodes"][2]["ats_inv_ns"] = -5;
  expect_error(t, "/topology/nodes/2/ats_inv_ns", ">= 0");
  t = minimal();
  t["nodes"][1]["pri"] = true;
  expect_error(t, "/topology/nodes/1/pri", "device nodes only");
  t = minimal();
  t["nodes"][0]["cores"] = 2.5;
  expect_error(t, "/topology/nodes/0/cores", "integer");
  t = minimal();
  t["nodes"][2]["cores"] = 2;
  expect_error(t, "/topology/nodes/2/cores", "cpu nodes only");
  t = minimal();
  t["links"][1]["bandwidth_gbps"] = 0;
  expect_error(t, "/topology/links/1/bandwidth_gbps", "> 0");
  t = minimal();
  t["links"][0]["latency_ns"] = -1;
  expect_error(t, "/topology/links/0/latency_ns", ">= 0");
  t = minimal();
  t["links"][0].erase("to");
  expect_error(t, "/topology/links/0", "to");
  t = minimal();
  t["defaults"] = {{"bandwidth_gbps", "fast"}};
  expect_error(t, "/topology/defaults/bandwidth_gbps", "number");
}

TEST_CASE("topology validation rules", "[topology]") {
  SECTION("duplicate node name") {
    json t = minimal();
    t["nodes"].push_back(mk_node("dmar0", "iommu"));
    expect_error(t, "/topology/nodes/3/name", "duplicate");
  }
  SECTION("dangling link") {
    json t = minimal();
    t["links"].push_back(mk_link("dmar0", "dsa9"));
    expect_error(t, "/topology/links/2/to", "unknown node \"dsa9\"");
    t = minimal();
    t["links"][0]["from"] = "cpu9";
    expect_error(t, "/topology/links/0/from", "unknown node \"cpu9\"");
  }
  SECTION("self-loop") {
    json t = minimal();
    t["links"].push_back(mk_link("dmar0", "dmar0"));
    expect_error(t, "/topology/links/2", "self-loop");
  }
  SECTION("duplicate link, either direction") {
    json t = minimal();
    t["links"].push_back(mk_link("dev0", "dmar0"));
    expect_error(t, "/topology/links/2", "duplicate link");
  }
  SECTION("exactly one cpu") {
    json t = minimal();
    t["nodes"].push_back(mk_node("cpu1", "cpu"));
    expect_error(t, "/topology/nodes/3", "more than one cpu");
    t = minimal();
    t["nodes"][0]["kind"] = "iommu";
    expect_error(t, "/topology/nodes", "no cpu");
  }
  SECTION("at least one iommu") {
    json t = minimal();
    t["nodes"][1]["kind"] = "root_port";
    expect_error(t, "/topology/nodes", "no iommu");
  }
  SECTION("cycle") {
    // cpu0 - dmar0 - rp0 - sw0 - rp1 - dmar0
    json t = minimal();
    t["nodes"].push_back(mk_node("rp0", "root_port"));
    t["nodes"].push_back(mk_node("sw0", "switch"));
    t["nodes"].push_back(mk_node("rp1", "root_port"));
    t["links"].push_back(mk_link("dmar0", "rp0"));
    t["links"].push_back(mk_link("rp0", "sw0"));
    t["links"].push_back(mk_link("sw0", "rp1"));
    t["links"].push_back(mk_link("rp1", "dmar0"));
    // reported at the link that closes it: the first, in document order, joining connected nodes
    expect_error(t, "/topology/links/5", "cycle");
    expect_error(t, "/topology/links/5", "between \"rp1\" and \"dmar0\"");
    expect_error(t, "/topology/links/5", "must be a tree");
    // two IOMMUs both under the CPU and joined: cycle through the CPU
    t = minimal();
    t["nodes"].push_back(mk_node("dmar1", "iommu"));
    t["links"].push_back(mk_link("cpu0", "dmar1"));
    t["links"].push_back(mk_link("dmar1", "dmar0"));
    expect_error(t, "/topology/links/3", "cycle");
  }
  SECTION("device reaching no IOMMU") {
    json t = minimal();
    t["nodes"].push_back(mk_node("dsa3", "device"));
    expect_error(t, "/topology/nodes/3", "device \"dsa3\" reaches no IOMMU");
    // through the cpu does not count
    t["links"].push_back(mk_link("cpu0", "dsa3"));
    expect_error(t, "/topology/nodes/3", "reaches no IOMMU");
    // a dangling root port leads nowhere
    t = minimal();
    t["nodes"].push_back(mk_node("rp0", "root_port"));
    t["nodes"].push_back(mk_node("dsa3", "device"));
    t["links"].push_back(mk_link("rp0", "dsa3"));
    expect_error(t, "/topology/nodes/4", "reaches no IOMMU");
  }
  SECTION("device reaching more than one IOMMU") {
    // dmar1 hangs under rp0 instead of the cpu; dsa1 behind rp0 sees both, but the culprit is rp0
    json t = minimal();
    t["nodes"].push_back(mk_node("dmar1", "iommu"));
    t["nodes"].push_back(mk_node("rp0", "root_port"));
    t["nodes"].push_back(mk_node("dsa1", "device"));
    t["links"].push_back(mk_link("dmar0", "rp0"));
    t["links"].push_back(mk_link("rp0", "dmar1"));
    t["links"].push_back(mk_link("rp0", "dsa1"));
    expect_error(t, "/topology/nodes/4", "root_port \"rp0\" reaches more than one IOMMU: \"dmar0\" and \"dmar1\"");
    // a device linked to two IOMMUs, both under the cpu: reported at the device, not as a cycle
    t = extended({mk_node("dmar1", "iommu")}, {mk_link("cpu0", "dmar1"), mk_link("dmar1", "dev0")});
    expect_error(t, "/topology/nodes/2", "device \"dev0\" reaches more than one IOMMU: \"dmar0\" and \"dmar1\"");
    // ... and not as "must be a leaf", also when the second IOMMU is behind a root port
    t = extended({mk_node("dmar1", "iommu"), mk_node("rp0", "root_port")},
                 {mk_link("cpu0", "dmar1"), mk_link("dmar1", "rp0"), mk_link("rp0", "dev0")});
    expect_error(t, "/topology/nodes/2", "more than one IOMMU");
    CHECK(error_of(t).find("linked to exactly one node") == std::string::npos);  // the generic leaf rule
  }
  SECTION("device linked to a device") {
    json t = minimal();
    t["nodes"].push_back(mk_node("dev1", "device"));
    t["links"].push_back(mk_link("dev0", "dev1"));
    expect_error(t, "/topology/links/2", "linked directly to device");
  }
  SECTION("device must be a leaf") {
    // dev0 keeps its IOMMU link and carries rp1 -> dev2 below it
    json t = minimal();
    t["nodes"].push_back(mk_node("rp1", "root_port"));
    t["nodes"].push_back(mk_node("dev2", "device"));
    t["links"].push_back(mk_link("dev0", "rp1"));
    t["links"].push_back(mk_link("rp1", "dev2"));
    expect_error(t, "/topology/nodes/2", "leaf");
  }
  SECTION("iommu must be linked to the cpu") {
    json t = minimal();
    t["nodes"].push_back(mk_node("dmar1", "iommu"));
    t["nodes"].push_back(mk_node("dev1", "device"));
    t["links"].push_back(mk_link("dmar1", "dev1"));
    expect_error(t, "/topology/nodes/3", "not linked to the cpu");
  }
  SECTION("root ports and switches sit between an IOMMU and devices") {
    json t = minimal();
    t["nodes"].push_back(mk_node("rp0", "root_port"));
    t["links"].push_back(mk_link("cpu0", "rp0"));
    expect_error(t, "/topology/nodes/3", "linked to the cpu");
    t = minimal();
    t["nodes"].push_back(mk_node("sw0", "switch"));
    expect_error(t, "/topology/nodes/3", "reaches no IOMMU");
    t = minimal();
    t["nodes"].push_back(mk_node("rp0", "root_port"));
    t["nodes"].push_back(mk_node("sw0", "switch"));
    t["links"].push_back(mk_link("dmar0", "rp0"));
    t["links"].push_back(mk_link("rp0", "sw0"));
    expect_error(t, "/topology/nodes/3", "no device behind it");
    {  // a root port joining two IOMMUs
      json u = minimal();
      u["nodes"].push_back(mk_node("rp0", "root_port"));
      u["nodes"].push_back(mk_node("dmar1", "iommu"));
      u["links"].push_back(mk_link("dmar0", "rp0"));
      u["links"].push_back(mk_link("rp0", "dmar1"));
      expect_error(u, "/topology/nodes/3", "more than one IOMMU");
    }
    // a device under the switch satisfies both bridges
    t["nodes"].push_back(mk_node("dev1", "device"));
    t["links"].push_back(mk_link("sw0", "dev1"));
    CHECK_NOTHROW(Topology::from_json(t, "/topology"));
  }
  SECTION("json_path prefixes every pointer") {
    json t = minimal();
    t["links"][1]["to"] = "nope";
    try {
      Topology::from_json(t, "/scenarios/2/topology");
      FAIL("no InputError");
    } catch (const InputError& e) {
      CHECK(e.path() == "/scenarios/2/topology/links/1/to");
    }
  }
}

TEST_CASE("generated topology errors point inside generate", "[topology]") {
  auto gen = [](json g) { return json{{"generate", std::move(g)}}; };
  expect_error(gen({{"devices_per_iommu", 2}}), "/topology/generate", "iommus");
  expect_error(gen({{"iommus", 0}, {"devices_per_iommu", 2}}), "/topology/generate/iommus", "integer");
  expect_error(gen({{"iommus", 1}, {"devices_per_iommu", 0}}), "/topology/generate/devices_per_iommu", "integer");
  expect_error(gen({{"iommus", 65}, {"devices_per_iommu", 1}}), "/topology/generate/iommus", "[1, 64]");
  expect_error(gen({{"iommus", 1}, {"devices_per_iommu", 1025}}), "/topology/generate/devices_per_iommu", "1024");
  expect_error(gen({{"iommus", 1}, {"devices_per_iommu", 2}, {"cpu_cores", 0}}), "/topology/generate/cpu_cores",
               "integer");
  expect_error(gen({{"iommus", 1}, {"devices_per_iommu", 2}, {"device", {{"pasid", 1}}}}),
               "/topology/generate/device/pasid", "true or false");
  expect_error(gen({{"iommus", 1}, {"devices_per_iommu", 2}, {"device_link", {{"bandwidth_gbps", -3}}}}),
               "/topology/generate/device_link/bandwidth_gbps", "> 0");
  expect_error(gen({{"iommus", 1}, {"devices_per_iommu", 2}, {"switch_per_iommu", "yes"}}),
               "/topology/generate/switch_per_iommu", "true or false");
  expect_error(gen(json::array()), "/topology/generate", "object");
}

// The three broken scenarios of tests/cli (scenarios/broken/*.json), reduced to their topology.
namespace {
json broken_base(bool two_iommus) {
  json t = {{"nodes", json::array()}, {"links", json::array()}};
  t["nodes"].push_back({{"name", "cpu0"}, {"kind", "cpu"}, {"cores", 4}});
  t["nodes"].push_back(mk_node("dmar0", "iommu"));
  if (two_iommus) t["nodes"].push_back(mk_node("dmar1", "iommu"));
  t["nodes"].push_back(mk_node("sw0", "switch"));
  for (int i = 0; i < 4; ++i) t["nodes"].push_back(mk_node("dsa" + std::to_string(i), "device"));
  t["links"].push_back(mk_link("cpu0", "dmar0"));
  if (two_iommus) t["links"].push_back(mk_link("cpu0", "dmar1"));
  t["links"].push_back(mk_link("dmar0", "sw0"));
  for (int i = 0; i < 3; ++i) t["links"].push_back(mk_link("sw0", "dsa" + std::to_string(i)));
  return t;
}
}  // namespace

TEST_CASE("a cycle is reported at the link that closes it", "[topology]") {
  // scenarios/broken/topology-cycle.json: sw0 is linked to dmar0 and, last, to cpu0
  json t = broken_base(false);
  t["links"].push_back(mk_link("sw0", "dsa3"));
  t["links"].push_back(mk_link("cpu0", "sw0"));
  CHECK(error_of(t) == "/topology/links/6: the link between \"cpu0\" and \"sw0\" closes a cycle "
                       "(\"cpu0\" - \"dmar0\" - \"sw0\" - \"cpu0\"); the topology must be a tree");

  SECTION("the same links in another order: still the last link of the cycle") {
    json u = t;
    std::swap(u["links"][1], u["links"][6]);  // cpu0-sw0 early, dmar0-sw0 last
    CHECK(error_of(u).rfind("/topology/links/6: the link between \"dmar0\" and \"sw0\" closes a cycle", 0) == 0);
  }
  SECTION("a long cycle is shortened in the message") {
    // cpu0 - dmar0 - rp0 - rp1 - ... - rp19 - dmar0, with a device under rp19
    json u = minimal();
    for (int i = 0; i < 20; ++i) u["nodes"].push_back(mk_node("rp" + std::to_string(i), "root_port"));
    u["nodes"].push_back(mk_node("dev1", "device"));
    u["links"].push_back(mk_link("dmar0", "rp0"));
    for (int i = 1; i < 20; ++i) u["links"].push_back(mk_link("rp" + std::to_string(i - 1), "rp" + std::to_string(i)));
    u["links"].push_back(mk_link("rp19", "dev1"));
    u["links"].push_back(mk_link("rp19", "dmar0"));
    const std::string e = error_of(u);
    CHECK(e.rfind("/topology/links/23: the link between \"rp19\" and \"dmar0\" closes a cycle (\"rp19\" - ", 0) == 0);
    CHECK(e.find(" - ... - ") != std::string::npos);
    CHECK(e.find("\"rp10\"") == std::string::npos);
    CHECK(e.size() < 300);
  }
}

TEST_CASE("a device linked to two IOMMUs is reported before the cycle it closes", "[topology]") {
  // scenarios/broken/device-two-iommus.json: dsa3 linked to dmar0 and dmar1, both under cpu0
  json t = broken_base(true);
  t["links"].push_back(mk_link("dmar0", "dsa3"));
  t["links"].push_back(mk_link("dmar1", "dsa3"));
  const std::string e = error_of(t);
  CHECK(e.rfind("/topology/nodes/7: device \"dsa3\" reaches more than one IOMMU: \"dmar0\" and \"dmar1\"", 0) == 0);
  CHECK(e.find("cycle") == std::string::npos);
  CHECK(e.find("linked to exactly one node") == std::string::npos);  // the generic leaf rule
}

TEST_CASE("a switch under two IOMMUs is reported before the cycle it closes", "[topology]") {
  // scenarios/broken/switch-two-iommus.json: sw0 linked to dmar0 and dmar1, both under cpu0
  json t = broken_base(true);
  t["links"].push_back(mk_link("sw0", "dsa3"));
  t["links"].push_back(mk_link("dmar1", "sw0"));
  const std::string e = error_of(t);
  CHECK(e.rfind("/topology/nodes/3: switch \"sw0\" reaches more than one IOMMU: \"dmar0\" and \"dmar1\"", 0) == 0);
  CHECK(e.find("cycle") == std::string::npos);

  SECTION("through a chain of bridges") {
    // dmar1 - rp0 - sw0: the whole cluster reaches both; the first bridge in the document is named
    json u = broken_base(true);
    u["nodes"].push_back(mk_node("rp0", "root_port"));
    u["links"].push_back(mk_link("sw0", "dsa3"));
    u["links"].push_back(mk_link("dmar1", "rp0"));
    u["links"].push_back(mk_link("rp0", "sw0"));
    expect_error(u, "/topology/nodes/3", "more than one IOMMU");
  }
  SECTION("a cycle among bridges under one IOMMU is still a cycle") {
    json u = broken_base(false);
    u["nodes"].push_back(mk_node("sw1", "switch"));
    u["links"].push_back(mk_link("sw0", "dsa3"));
    u["links"].push_back(mk_link("dmar0", "sw1"));
    u["links"].push_back(mk_link("sw1", "sw0"));
    expect_error(u, "/topology/links/7", "cycle");
  }
}

// Issue 13: a PCIe link may be given by generation and width; its bandwidth then follows from the line
// rate after encoding, and the results' topology keeps the generation and width.
TEST_CASE("links given as PCIe generation and width", "[topology][pcie]") {
  json t = minimal();
  t["links"][0].erase("bandwidth_gbps");
  t["links"][0]["gen"] = 4;
  t["links"][0]["lanes"] = 16;
  const Topology topo = Topology::from_json(t, "/topology");
  const auto [a, b] = topo.path(topo.cpu(), topo.iommus()[0]).front();
  CHECK(topo.link(a, b).bandwidth_gbps == Approx(16.0 * 16 * 128 / 130 / 8));
  CHECK(topo.link(a, b).lanes == 16);
  CHECK(topo.to_json()["links"][0]["gen"] == 4);
  CHECK_FALSE(topo.to_json()["links"][0].contains("bandwidth_gbps"));

  json both = minimal();
  both["links"][0]["gen"] = 3;
  both["links"][0]["lanes"] = 8;
  both["links"][0]["bandwidth_gbps"] = 8;
  expect_error(both, "/topology/links/0", "not both");
  // A link inherits the other half from the defaults; with defaults given as a bandwidth there is none.
  json half = minimal();
  half["defaults"] = {{"bandwidth_gbps", 8}};
  half["links"][0]["gen"] = 3;
  expect_error(half, "/topology/links/0", "both \"gen\" and \"lanes\"");
  json odd = minimal();
  odd["links"][0].erase("bandwidth_gbps");
  odd["links"][0]["gen"] = 3;
  odd["links"][0]["lanes"] = 3;
  expect_error(odd, "/topology/links/0/lanes", "1, 2, 4, 8, 16 or 32");
  json gen9 = minimal();
  gen9["links"][0].erase("bandwidth_gbps");
  gen9["links"][0]["gen"] = 9;
  gen9["links"][0]["lanes"] = 8;
  expect_error(gen9, "/topology/links/0/gen", "");
}
