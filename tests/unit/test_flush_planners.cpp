// Flush planners against the closed formulas of DOMAIN.md and exact kernel sequences.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/params.hpp"
#include "core/registry.hpp"
#include "models/domain/domain_sharing.hpp"
#include "models/flush/planner.hpp"
#include "models/flush/vtd_tags.hpp"
#include "unit_helpers.hpp"

using namespace svasim;
using svasim::test::profile_params;

namespace {

constexpr std::uint64_t kBase = 0x7f0000000000ULL;  // a 2M-aligned user address
UnmapRange pages_at(std::uint64_t addr, std::uint64_t pages) { return {addr, addr + (pages << 12)}; }
const UnmapRange kOnePage = pages_at(kBase, 1);
const UnmapRange kFull{0, UINT64_MAX};

enum class Placement { round_robin, blocks };

// n devices over k IOMMUs; every third device has ATS off; SMMU masters get 1..3 stream IDs.
std::vector<Attachment> topo(int n, int k, Placement pl) {
  std::vector<Attachment> v;
  for (int i = 0; i < n; ++i) {
    Attachment a;
    a.device = i;
    a.iommu = pl == Placement::round_robin ? i % k : i * k / n;
    a.ats = i % 3 != 2;
    a.streams = 1 + i % 3;
    v.push_back(a);
  }
  return v;
}

std::vector<Attachment> ats_devices(int n, int iommu = 0) {
  std::vector<Attachment> v;
  for (int i = 0; i < n; ++i) v.push_back(Attachment{i, iommu, true, false, 1});
  return v;
}

struct IommuStats {
  std::size_t devices = 0, ats = 0, ats_streams = 0;
};
std::map<int, IommuStats> per_iommu(const std::vector<Attachment>& at) {
  std::map<int, IommuStats> m;
  for (const auto& a : at) {
    auto& s = m[a.iommu];
    s.devices++;
    if (a.ats) {
      s.ats++;
      s.ats_streams += static_cast<std::size_t>(a.streams);
    }
  }
  return m;
}

FlushPlan plan_all(const FlushPlanner& p, const std::vector<SvaDomain>& ds, const UnmapRange& r) {
  FlushPlan out;
  for (const auto& d : ds) p.plan(d, r, out);
  return out;
}

FlushPlan plan_one(const FlushPlanner& p, const std::vector<Attachment>& at, const UnmapRange& r) {
  return plan_all(p, {SvaDomain{0, at}}, r);
}

// Every devTLB descriptor goes to the queue of the IOMMU its device sits behind.
void check_queues(const FlushPlan& plan, const std::vector<Attachment>& at) {
  for (const auto& s : plan.submissions)
    for (const auto& d : s.descs) {
      if (!is_devtlb(d.kind)) continue;
      auto it = std::find_if(at.begin(), at.end(), [&](const Attachment& a) { return a.device == d.device; });
      REQUIRE(it != at.end());
      CHECK(it->iommu == s.iommu);
      CHECK(it->ats);
    }
}

Descriptor piotlb(std::uint64_t addr, unsigned mask = 0) { return {DescKind::vtd_piotlb, -1, addr, mask, false}; }
Descriptor devtlb(int dev, std::uint64_t addr, unsigned mask = 0) { return {DescKind::vtd_devtlb, dev, addr, mask, false}; }

std::vector<std::size_t> sizes(const FlushPlan& p) {
  std::vector<std::size_t> v;
  for (const auto& s : p.submissions) v.push_back(s.descs.size());
  return v;
}
std::vector<bool> waits(const FlushPlan& p) {
  std::vector<bool> v;
  for (const auto& s : p.submissions) v.push_back(s.wait);
  return v;
}

Params with(const std::string& name, double v) {
  Params p;
  p.set(name, v, "/params");
  return p;
}

const Placement kPlacements[] = {Placement::round_robin, Placement::blocks};

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Shared vocabulary

TEST_CASE("descriptor kinds are classified and named", "[flush]") {
  CHECK(is_iotlb(DescKind::vtd_piotlb));
  CHECK(is_iotlb(DescKind::smmu_tlbi_asid));
  CHECK(is_iotlb(DescKind::smmu_tlbi_va));
  CHECK(is_iotlb(DescKind::amd_inv_iommu_pages));
  CHECK(is_devtlb(DescKind::vtd_devtlb));
  CHECK(is_devtlb(DescKind::smmu_atc_inv));
  CHECK(is_devtlb(DescKind::amd_inv_iotlb_pages));
  for (auto k : {DescKind::vtd_piotlb, DescKind::vtd_devtlb, DescKind::smmu_tlbi_asid, DescKind::smmu_tlbi_va,
                 DescKind::smmu_atc_inv, DescKind::amd_inv_iommu_pages, DescKind::amd_inv_iotlb_pages}) {
    CHECK(is_iotlb(k) != is_devtlb(k));
  }
  CHECK(std::string(to_string(DescKind::vtd_devtlb)) == "vtd_devtlb");
  CHECK(std::string(to_string(DescKind::smmu_atc_inv)) == "smmu_atc_inv");
}

TEST_CASE("FlushPlan counts descriptors and waits", "[flush]") {
  FlushPlan p;
  p.submissions.push_back({0, {piotlb(0), devtlb(1, 0), devtlb(2, 0)}, false});
  p.submissions.push_back({1, {Descriptor{DescKind::smmu_tlbi_va}}, true});
  p.submissions.push_back({1, {}, true});
  CHECK(p.iotlb_count() == 2);
  CHECK(p.devtlb_count() == 2);
  CHECK(p.wait_count() == 2);
  CHECK(FlushPlan{}.wait_count() == 0);
}

TEST_CASE("every flush planner names a registered queue discipline for its descriptors", "[flush][registry]") {
  // The queue a planner's descriptors go through was the planner's discipline() enum; it is now the
  // planner's registered companion, which the scenario loader uses when a flush model is named alone.
  const Catalog& cat = Catalog::instance();
  const std::map<std::string, std::string> expected = {{"vtd-per-device", "vtd-qi"}, {"vtd-cache-tags", "vtd-qi"},
                                                       {"vtd-qi-batch", "vtd-qi"}, {"smmuv3", "smmu-cmdq"},
                                                       {"amd", "amd-cmdbuf"}};
  for (const auto& [flush, queue] : expected) {
    const ModelEntry* e = cat.find("flush", flush);
    REQUIRE(e);
    CHECK(e->info.companions.at("queue") == queue);
    CHECK(cat.find("queue", queue));
  }
}

// ---------------------------------------------------------------------------------------------------
// The seed case: 4 ATS devices behind one IOMMU, a 1-page aligned unmap

// intel/svm.c (6.7-6.9): intel_svm_set_dev_pasid() adds each device at the head of svm->devs
// (list_add_rcu), so the notifier flushes the newest device first.
TEST_CASE("seed case: linux-6.9 sends PIOTLB, devTLB per device, each its own submission, newest device first", "[flush]") {
  auto plan = plan_one(*make_flush_planner("vtd-per-device", Params{}), ats_devices(4), kOnePage);
  REQUIRE(plan.submissions.size() == 8);
  for (int i = 0; i < 4; ++i) {
    const auto& p = plan.submissions[static_cast<std::size_t>(2 * i)];
    const auto& d = plan.submissions[static_cast<std::size_t>(2 * i + 1)];
    CHECK(p == Submission{0, {piotlb(kBase)}, true});
    CHECK(d == Submission{0, {devtlb(3 - i, kBase)}, true});
  }
  CHECK(plan.iotlb_count() == 4);
  CHECK(plan.devtlb_count() == 4);
  CHECK(plan.wait_count() == 8);
}

TEST_CASE("seed case: linux-6.10 sends one IOTLB tag then one devTLB tag per device", "[flush]") {
  auto plan = plan_one(*make_flush_planner("vtd-cache-tags", Params{}), ats_devices(4), kOnePage);
  REQUIRE(plan.submissions.size() == 5);
  CHECK(plan.submissions[0] == Submission{0, {piotlb(kBase)}, true});
  for (int i = 0; i < 4; ++i)
    CHECK(plan.submissions[static_cast<std::size_t>(i + 1)] == Submission{0, {devtlb(i, kBase)}, true});
}

TEST_CASE("seed case: linux-6.12 batches 1 PIOTLB + 4 devTLB into one submission", "[flush]") {
  auto plan = plan_one(*make_flush_planner("vtd-qi-batch", Params{}), ats_devices(4), kOnePage);
  REQUIRE(plan.submissions.size() == 1);
  CHECK(plan.submissions[0] ==
        Submission{0, {piotlb(kBase), devtlb(0, kBase), devtlb(1, kBase), devtlb(2, kBase), devtlb(3, kBase)}, true});
}

TEST_CASE("qi_batch: a batch is flushed as soon as it holds 16 descriptors", "[flush]") {
  auto planner = make_flush_planner("vtd-qi-batch", Params{});
  CHECK(sizes(plan_one(*planner, ats_devices(17), kOnePage)) == std::vector<std::size_t>{16, 2});
  CHECK(sizes(plan_one(*planner, ats_devices(16), kOnePage)) == std::vector<std::size_t>{16, 1});
  CHECK(sizes(plan_one(*planner, ats_devices(15), kOnePage)) == std::vector<std::size_t>{16});
  CHECK(sizes(plan_one(*planner, ats_devices(31), kOnePage)) == std::vector<std::size_t>{16, 16});
  CHECK(sizes(plan_one(*planner, ats_devices(32), kOnePage)) == std::vector<std::size_t>{16, 16, 1});
  auto p17 = plan_one(*planner, ats_devices(17), kOnePage);
  CHECK(p17.submissions[0].descs[0].kind == DescKind::vtd_piotlb);  // IOTLB first, no fence
  CHECK(p17.submissions[1].descs[1] == devtlb(16, kBase));
  CHECK(p17.wait_count() == 2);
}

TEST_CASE("qi_batch: vtd.qi_batch_size sets the batch", "[flush]") {
  auto planner = make_flush_planner("vtd-qi-batch", with("vtd.qi_batch_size", 4));
  CHECK(sizes(plan_one(*planner, ats_devices(8), kOnePage)) == std::vector<std::size_t>{4, 4, 1});
  auto one = make_flush_planner("vtd-qi-batch", with("vtd.qi_batch_size", 1));
  CHECK(plan_one(*one, ats_devices(3), kOnePage).submissions.size() == 4);
}

TEST_CASE("qi_batch: the walk flushes at every change of IOMMU", "[flush]") {
  // IOMMU 0: d0, d2; IOMMU 1: d1 (non-ATS), d3; the tags grouped per IOMMU.
  std::vector<Attachment> at{{0, 0, true, false, 1}, {1, 1, false, false, 1}, {2, 0, true, false, 1}, {3, 1, true, false, 1}};
  auto plan = plan_one(*make_flush_planner("vtd-qi-batch", with("vtd.cache_tag_order", 0)), at, kOnePage);
  REQUIRE(plan.submissions.size() == 2);
  CHECK(plan.submissions[0] == Submission{0, {piotlb(kBase), devtlb(0, kBase), devtlb(2, kBase)}, true});
  CHECK(plan.submissions[1] == Submission{1, {piotlb(kBase), devtlb(3, kBase)}, true});
}

// The parameters a profile fixes, as the scenario loader applies them.
// cache_tag_assign(), intel/cache.c: list_add_tail(&tag->node, &domain->cache_tags) in v6.10-v6.13;
// from v6.14 (acf5d49aaf86) list_add(&tag->node, prev) after the last tag of the same IOMMU.
// qi_batch_add_desc() flushes the batch whenever the walk in cache_tag_flush_range() meets another IOMMU.
TEST_CASE("linux-6.12 vs 6.14: devices bound alternately across two IOMMUs batch per run vs per IOMMU", "[flush]") {
  std::vector<Attachment> at;
  for (int i = 0; i < 8; ++i) at.push_back(Attachment{i, i % 2, true, false, 1});
  const auto v612 = plan_one(*make_flush_planner("vtd-qi-batch", profile_params("linux-6.12-vtd")), at, kOnePage);
  const auto v614 = plan_one(*make_flush_planner("vtd-qi-batch", profile_params("linux-6.14-vtd")), at, kOnePage);
  // 6.12: [IOTLB0 dev0] [IOTLB1 dev1] [dev2] [dev3] ... one submission per change of IOMMU.
  CHECK(sizes(v612) == std::vector<std::size_t>{2, 2, 1, 1, 1, 1, 1, 1});
  CHECK(v612.submissions[2] == Submission{0, {devtlb(2, kBase)}, true});
  // 6.14: the newest IOMMU's group first, then the first one's: one submission per IOMMU.
  REQUIRE(v614.submissions.size() == 2);
  CHECK(v614.submissions[0] ==
        Submission{1, {piotlb(kBase), devtlb(1, kBase), devtlb(3, kBase), devtlb(5, kBase), devtlb(7, kBase)}, true});
  CHECK(v614.submissions[1] ==
        Submission{0, {piotlb(kBase), devtlb(0, kBase), devtlb(2, kBase), devtlb(4, kBase), devtlb(6, kBase)}, true});
  // Bound in blocks (all of IOMMU 0, then all of IOMMU 1), the two kernels agree on the count.
  std::sort(at.begin(), at.end(), [](const Attachment& a, const Attachment& b) { return a.iommu < b.iommu; });
  CHECK(plan_one(*make_flush_planner("vtd-qi-batch", profile_params("linux-6.12-vtd")), at, kOnePage).submissions.size() ==
        plan_one(*make_flush_planner("vtd-qi-batch", profile_params("linux-6.14-vtd")), at, kOnePage).submissions.size());
}

// ---------------------------------------------------------------------------------------------------
// Cache-tag lists

TEST_CASE("cache tags: one IOTLB tag per IOMMU, one DEVTLB tag per ATS device", "[flush]") {
  // attach order: A(iommu 0), B(iommu 1), C(iommu 0, non-ATS), D(iommu 0)
  SvaDomain d{0, {{10, 0, true, false, 1}, {11, 1, true, false, 1}, {12, 0, false, false, 1}, {13, 0, true, false, 1}}};
  auto describe = [](const std::vector<vtd::CacheTag>& tags) {
    std::vector<std::pair<int, int>> v;  // (iommu, device or -1 for the IOTLB tag)
    for (const auto& t : tags) v.emplace_back(t.iommu, t.type == vtd::TagType::iotlb ? -1 : t.dev->device);
    return v;
  };
  using V = std::vector<std::pair<int, int>>;
  CHECK(describe(vtd::cache_tags(d)) == V{{0, -1}, {0, 10}, {0, 13}, {1, -1}, {1, 11}});
  CHECK(describe(vtd::cache_tags(d, vtd::TagOrder::grouped_newest_first)) == V{{1, -1}, {1, 11}, {0, -1}, {0, 10}, {0, 13}});
  CHECK(describe(vtd::cache_tags(d, vtd::TagOrder::attach_order)) == V{{0, -1}, {0, 10}, {1, -1}, {1, 11}, {0, 13}});
}

TEST_CASE("cache tags: the QAT quirk doubles the devTLB flush", "[flush]") {
  std::vector<Attachment> at{{0, 0, true, true, 1}, {1, 0, true, false, 1}};
  // 6.10: the extra flush is its own qi_flush_dev_iotlb_pasid() call, hence its own submission.
  auto tags = plan_one(*make_flush_planner("vtd-cache-tags", Params{}), at, kOnePage);
  CHECK(sizes(tags) == std::vector<std::size_t>{1, 1, 1, 1});
  CHECK(tags.submissions[1].descs[0] == tags.submissions[2].descs[0]);
  CHECK(tags.devtlb_count() == 3);
  // 6.12: both go into the batch.
  auto batch = plan_one(*make_flush_planner("vtd-qi-batch", Params{}), at, kOnePage);
  REQUIRE(batch.submissions.size() == 1);
  CHECK(batch.submissions[0].descs == std::vector<Descriptor>{piotlb(kBase), devtlb(0, kBase), devtlb(0, kBase), devtlb(1, kBase)});
  // <= 6.9: quirk_extra_dev_tlb_flush() after each devTLB flush.
  auto old = plan_one(*make_flush_planner("vtd-per-device", Params{}), at, kOnePage);
  CHECK(sizes(old) == std::vector<std::size_t>{1, 1, 1, 1, 1});
  CHECK(old.devtlb_count() == 3);
}

// ---------------------------------------------------------------------------------------------------
// Ranges inside the VT-d planners

TEST_CASE("VT-d <= 6.9: a straddling range costs two chunks per device", "[flush]") {
  auto plan = plan_one(*make_flush_planner("vtd-per-device", Params{}), ats_devices(2), pages_at(0x1ff000, 2));
  REQUIRE(plan.submissions.size() == 8);
  CHECK(plan.submissions[0].descs[0] == piotlb(0x1fe000, 1));
  CHECK(plan.submissions[1].descs[0] == devtlb(1, 0x1fe000, 1));  // newest device first
  CHECK(plan.submissions[2].descs[0] == piotlb(0x200000, 1));
  CHECK(plan.submissions[3].descs[0] == devtlb(1, 0x200000, 1));
  CHECK(plan.submissions[4].descs[0] == piotlb(0x1fe000, 1));
  CHECK(plan.submissions[7].descs[0] == devtlb(0, 0x200000, 1));
}

TEST_CASE("VT-d 6.10+: the same range becomes one widened block", "[flush]") {
  for (const char* name : {"vtd-cache-tags", "vtd-qi-batch"}) {
    auto plan = plan_one(*make_flush_planner(name, Params{}), ats_devices(1), pages_at(0x1ff000, 2));
    std::vector<Descriptor> all;
    for (const auto& s : plan.submissions) all.insert(all.end(), s.descs.begin(), s.descs.end());
    CHECK(all == std::vector<Descriptor>{piotlb(0, 10), devtlb(0, 0, 10)});
    plan = plan_one(*make_flush_planner(name, Params{}), ats_devices(1), pages_at(0x7ff000, 2));
    CHECK(plan.submissions.front().descs.front() == piotlb(0, 12));
  }
}

TEST_CASE("VT-d: full-range flush", "[flush]") {
  const Descriptor whole_p{DescKind::vtd_piotlb, -1, 0, kMaxAgawPfnWidth, true};
  auto whole_d = [](int dev) { return Descriptor{DescKind::vtd_devtlb, dev, 0, kMaxAgawPfnWidth, true}; };
  std::vector<Attachment> at{{0, 0, true, false, 1}, {1, 0, false, false, 1}};

  SECTION("6.7-6.9: intel_flush_svm_all, PASID-selective per device") {
    auto plan = plan_one(*make_flush_planner("vtd-per-device", Params{}), at, kFull);
    REQUIRE(plan.submissions.size() == 3);  // newest first: the non-ATS device 1, then device 0
    CHECK(plan.submissions[0].descs[0] == whole_p);
    CHECK(plan.submissions[1].descs[0] == whole_p);
    CHECK(plan.submissions[2].descs[0] == whole_d(0));
  }
  SECTION("before 6.7 (e7ad6c2a4b1a, 6.7-rc4): treated as the largest range, one 2^52-page chunk") {
    auto plan = plan_one(*make_flush_planner("vtd-per-device", with("vtd.full_range_pasid_selective", 0)), at, kFull);
    REQUIRE(plan.submissions.size() == 3);
    CHECK(plan.submissions[0].descs[0] == piotlb(0, 52));
    CHECK(plan.submissions[2].descs[0] == devtlb(0, 0, 52));
  }
  SECTION("6.10 and 6.12: cache_tag_flush_all, the devTLB without PASID") {
    Descriptor no_pasid = whole_d(0);
    no_pasid.all_pasids = true;
    auto tags = plan_one(*make_flush_planner("vtd-cache-tags", Params{}), at, kFull);
    REQUIRE(tags.submissions.size() == 2);
    CHECK(tags.submissions[0].descs[0] == whole_p);
    CHECK(tags.submissions[1].descs[0] == no_pasid);
    auto batch = plan_one(*make_flush_planner("vtd-qi-batch", Params{}), at, kFull);
    REQUIRE(batch.submissions.size() == 1);
    CHECK(batch.submissions[0].descs == std::vector<Descriptor>{whole_p, no_pasid});
  }
}

TEST_CASE("VT-d and AMD: an empty range flushes nothing", "[flush]") {
  const UnmapRange empty{kBase, kBase};
  for (const char* name : {"vtd-per-device", "vtd-cache-tags", "vtd-qi-batch", "amd"})
    CHECK(plan_one(*make_flush_planner(name, Params{}), ats_devices(3), empty).submissions.empty());
}

// ---------------------------------------------------------------------------------------------------
// Closed formulas over topologies: N = 1..64 devices, K = 1..8 IOMMUs

TEST_CASE("VT-d <= 6.9 formula: per device c * (1 + ats [+ quirk]) submissions", "[flush]") {
  auto planner = make_flush_planner("vtd-per-device", Params{});
  struct R { UnmapRange range; std::size_t chunks; };
  for (const R& r : {R{kOnePage, 1}, R{pages_at(0x1ff000, 2), 2}, R{pages_at(kBase + 0x3000, 8), 2}, R{pages_at(kBase, 512), 1}})
    for (auto pl : kPlacements)
      for (int k = 1; k <= 8; ++k)
        for (int n = 1; n <= 64; ++n) {
          auto at = topo(n, k, pl);
          for (auto& a : at) a.extra_devtlb_quirk = a.ats && a.device % 7 == 0;
          std::size_t ats = 0, quirks = 0;
          for (const auto& a : at) ats += a.ats, quirks += a.extra_devtlb_quirk;
          auto plan = plan_one(*planner, at, r.range);
          INFO("n=" << n << " k=" << k << " chunks=" << r.chunks);
          CHECK(plan.submissions.size() == r.chunks * (static_cast<std::size_t>(n) + ats + quirks));
          CHECK(plan.iotlb_count() == r.chunks * static_cast<std::size_t>(n));
          CHECK(plan.devtlb_count() == r.chunks * (ats + quirks));
          CHECK(plan.wait_count() == plan.submissions.size());
          check_queues(plan, at);
        }
}

TEST_CASE("VT-d 6.10 formula: K + sum(a_i) submissions", "[flush]") {
  auto planner = make_flush_planner("vtd-cache-tags", Params{});
  for (const auto& range : {kOnePage, pages_at(0x1ff000, 2), kFull})
    for (auto pl : kPlacements)
      for (int k = 1; k <= 8; ++k)
        for (int n = 1; n <= 64; ++n) {
          auto at = topo(n, k, pl);
          auto st = per_iommu(at);
          std::size_t ats = 0;
          for (const auto& [i, s] : st) ats += s.ats;
          auto plan = plan_one(*planner, at, range);
          INFO("n=" << n << " k=" << k);
          CHECK(plan.submissions.size() == st.size() + ats);
          CHECK(plan.iotlb_count() == st.size());
          CHECK(plan.devtlb_count() == ats);
          CHECK(plan.wait_count() == plan.submissions.size());
          for (const auto& s : plan.submissions) CHECK(s.descs.size() == 1);
          check_queues(plan, at);
        }
}

// With each IOMMU's tags together (linux-6.14-vtd, or any placement that binds IOMMU by IOMMU).
TEST_CASE("VT-d 6.14 formula: sum over IOMMUs of ceil((1 + a_i) / 16)", "[flush]") {
  for (int batch : {16, 5}) {
    Params params = profile_params("linux-6.14-vtd");
    params.set("vtd.qi_batch_size", batch, "/params");
    auto planner = make_flush_planner("vtd-qi-batch", params);
    const auto b = static_cast<std::size_t>(batch);
    for (auto pl : kPlacements)
      for (int k = 1; k <= 8; ++k)
        for (int n = 1; n <= 64; ++n) {
          auto at = topo(n, k, pl);
          auto st = per_iommu(at);
          std::size_t expect = 0, ats = 0;
          for (const auto& [i, s] : st) expect += (1 + s.ats + b - 1) / b, ats += s.ats;
          auto plan = plan_one(*planner, at, kOnePage);
          INFO("n=" << n << " k=" << k << " batch=" << batch);
          CHECK(plan.submissions.size() == expect);
          CHECK(plan.wait_count() == expect);
          CHECK(plan.iotlb_count() == st.size());
          CHECK(plan.devtlb_count() == ats);
          std::set<int> done;  // each IOMMU's submissions are consecutive
          int last = -1;
          for (const auto& s : plan.submissions) {
            CHECK(s.descs.size() <= b);
            if (s.iommu != last) CHECK(done.insert(s.iommu).second);
            last = s.iommu;
          }
          check_queues(plan, at);
        }
  }
}

TEST_CASE("SMMUv3 formula: per SMMU TLBI + sync, ATC_INV per stream + sync when a_i > 0", "[flush]") {
  auto planner = make_flush_planner("smmuv3", Params{});
  auto sharing = make_domain_sharing("per-mm-iommu");
  for (auto pl : kPlacements)
    for (int k = 1; k <= 8; ++k)
      for (int n = 1; n <= 64; ++n) {
        auto at = topo(n, k, pl);
        auto st = per_iommu(at);
        std::size_t waits = 0, subs = 0, streams = 0;
        for (const auto& [i, s] : st) {
          const bool any = s.ats > 0;
          waits += 1 + any;
          subs += 1 + (any ? (s.ats_streams + 63) / 64 : 0);
          streams += s.ats_streams;
        }
        auto domains = sharing->domains(at);
        REQUIRE(domains.size() == st.size());
        auto plan = plan_all(*planner, domains, kOnePage);
        INFO("n=" << n << " k=" << k);
        CHECK(plan.wait_count() == waits);
        CHECK(plan.submissions.size() == subs);
        CHECK(plan.iotlb_count() == st.size());
        CHECK(plan.devtlb_count() == streams);
        for (const auto& s : plan.submissions) CHECK(s.descs.size() <= 64);
        check_queues(plan, at);
      }
}

TEST_CASE("AMD formula: N submissions and N waits, no de-duplication", "[flush]") {
  auto planner = make_flush_planner("amd", Params{});
  for (auto pl : kPlacements)
    for (int k = 1; k <= 8; ++k)
      for (int n = 1; n <= 64; ++n) {
        auto at = topo(n, k, pl);
        std::size_t ats = 0;
        for (const auto& a : at) ats += a.ats;
        auto plan = plan_one(*planner, at, kOnePage);
        INFO("n=" << n << " k=" << k);
        CHECK(plan.submissions.size() == static_cast<std::size_t>(n));
        CHECK(plan.wait_count() == static_cast<std::size_t>(n));
        CHECK(plan.iotlb_count() == static_cast<std::size_t>(n));
        CHECK(plan.devtlb_count() == ats);
        check_queues(plan, at);
      }
}

// ---------------------------------------------------------------------------------------------------
// SMMUv3 details

namespace {
FlushPlan smmu_plan(const Params& p, const std::vector<Attachment>& at, const UnmapRange& r) {
  return plan_one(*make_flush_planner("smmuv3", p), at, r);
}
std::vector<Attachment> no_ats(int n = 1) {
  std::vector<Attachment> v;
  for (int i = 0; i < n; ++i) v.push_back(Attachment{i, 0, false, false, 1});
  return v;
}
std::size_t count_kind(const FlushPlan& p, DescKind k) {
  std::size_t n = 0;
  for (const auto& s : p.submissions)
    for (const auto& d : s.descs) n += d.kind == k;
  return n;
}
}  // namespace

TEST_CASE("SMMUv3: one page, one ATS master", "[flush]") {
  auto plan = smmu_plan(Params{}, ats_devices(1, 3), kOnePage);
  REQUIRE(plan.submissions.size() == 2);
  CHECK(plan.submissions[0] == Submission{3, {Descriptor{DescKind::smmu_tlbi_va, -1, kBase, 0, false}}, true});
  CHECK(plan.submissions[1] == Submission{3, {Descriptor{DescKind::smmu_atc_inv, 0, kBase, 0, false}}, true});
}

TEST_CASE("SMMUv3: per-page TLBIs in batches of 64, the last with CMD_SYNC", "[flush]") {
  auto plan = smmu_plan(Params{}, no_ats(), pages_at(kBase, 100));
  CHECK(sizes(plan) == std::vector<std::size_t>{64, 36});
  CHECK(waits(plan) == std::vector<bool>{false, true});
  CHECK(plan.submissions[0].descs[1].addr == kBase + 0x1000);
  CHECK(plan.submissions[1].descs[35].addr == kBase + 99 * 0x1000);

  CHECK(sizes(smmu_plan(Params{}, no_ats(), pages_at(kBase, 64))) == std::vector<std::size_t>{64});
  CHECK(sizes(smmu_plan(Params{}, no_ats(), pages_at(kBase, 65))) == std::vector<std::size_t>{64, 1});
  CHECK(sizes(smmu_plan(Params{}, no_ats(), pages_at(kBase, 128))) == std::vector<std::size_t>{64, 64});
  CHECK(sizes(smmu_plan(with("smmu.cmdq_batch_size", 10), no_ats(), pages_at(kBase, 25))) == std::vector<std::size_t>{10, 10, 5});
}

// arm_smmu_atc_inv_domain() (6.11 as read) walks the masters under smmu_domain->devices_lock, and
// arm_smmu_cmdq_batch_add() issues a full batch right there; arm_smmu_cmdq_batch_submit() comes after the
// unlock. The TLBIs (__arm_smmu_tlb_inv_range()) take no lock.
TEST_CASE("SMMUv3: full ATC_INV batches are issued under devices_lock, the last after it", "[flush]") {
  std::vector<Attachment> at = ats_devices(1);
  at[0].streams = 100;
  const auto plan = smmu_plan(Params{}, at, pages_at(kBase, 100));
  REQUIRE(sizes(plan) == std::vector<std::size_t>{64, 36, 64, 36});  // TLBI_VA x 100, then ATC_INV x 100
  std::vector<bool> locked;
  for (const auto& s : plan.submissions) locked.push_back(s.under_devices_lock);
  CHECK(locked == std::vector<bool>{false, false, true, false});
  at[0].streams = 64;  // exactly one batch: submitted with CMD_SYNC after the unlock
  for (const auto& s : smmu_plan(Params{}, at, kOnePage).submissions) CHECK_FALSE(s.under_devices_lock);
}

TEST_CASE("SMMUv3: 511 pages by VA, 512 pages by ASID", "[flush]") {
  auto p511 = smmu_plan(Params{}, ats_devices(1), pages_at(kBase, 511));
  CHECK(count_kind(p511, DescKind::smmu_tlbi_va) == 511);
  CHECK(count_kind(p511, DescKind::smmu_tlbi_asid) == 0);
  CHECK(p511.submissions.size() == 8 + 1);  // 7 full batches + 63 with sync, then the ATC_INV
  CHECK(p511.wait_count() == 2);
  CHECK(p511.submissions.back().descs[0] == Descriptor{DescKind::smmu_atc_inv, 0, kBase, 9, false});

  auto p512 = smmu_plan(Params{}, ats_devices(1), pages_at(kBase, 512));
  REQUIRE(p512.submissions.size() == 2);
  CHECK(p512.submissions[0].descs == std::vector<Descriptor>{Descriptor{DescKind::smmu_tlbi_asid, -1, 0, 52, true}});
  // size was zeroed, so the ATC_INV covers everything too (ATC_INV_SIZE_ALL).
  CHECK(p512.submissions[1].descs == std::vector<Descriptor>{Descriptor{DescKind::smmu_atc_inv, 0, 0, 52, true}});

  auto lower = with("smmu.max_tlbi_ops", 8);
  CHECK(count_kind(smmu_plan(lower, no_ats(), pages_at(kBase, 7)), DescKind::smmu_tlbi_va) == 7);
  CHECK(count_kind(smmu_plan(lower, no_ats(), pages_at(kBase, 8)), DescKind::smmu_tlbi_asid) == 1);
  // The threshold is in bytes: 511 pages and 1 byte is still below it.
  CHECK(count_kind(smmu_plan(Params{}, no_ats(), {kBase, kBase + 511 * 4096 + 1}), DescKind::smmu_tlbi_va) == 512);
}

TEST_CASE("SMMUv3: full and empty ranges flush by ASID", "[flush]") {
  for (double r : {0.0, 1.0}) {
    auto p = with("smmu.range_inv", r);
    auto full = smmu_plan(p, no_ats(), kFull);
    REQUIRE(full.submissions.size() == 1);
    CHECK(full.submissions[0].descs[0].kind == DescKind::smmu_tlbi_asid);
    auto empty = smmu_plan(p, no_ats(), {kBase, kBase});
    CHECK(count_kind(empty, DescKind::smmu_tlbi_asid) == 1);
  }
}

TEST_CASE("SMMUv3 with FEAT_RANGE_INV: range-command count", "[flush]") {
  auto p = with("smmu.range_inv", 1);
  auto cmds = [&](std::uint64_t pages) { return count_kind(smmu_plan(p, no_ats(), pages_at(kBase, pages)), DescKind::smmu_tlbi_va); };
  CHECK(cmds(1) == 1);     // 1 -> 2 (leaf = false tweak): scale 1, num 1
  CHECK(cmds(2) == 1);
  CHECK(cmds(3) == 1);     // num 3
  CHECK(cmds(31) == 1);
  CHECK(cmds(32) == 1);    // scale 5, num 1
  CHECK(cmds(33) == 1);    // 33 -> 34: scale 1, num 17
  CHECK(cmds(65) == 2);    // 65 -> 66: 2 pages, then 64
  CHECK(cmds(91) == 2);    // 27 pages, then 64
  CHECK(cmds(100) == 1);   // scale 2, num 25
  CHECK(cmds(511) == 2);   // 31, then 15 << 5
  CHECK(cmds(512) == 1);   // no by-ASID switch with range invalidation
  CHECK(cmds(1023) == 2);
  CHECK(cmds(1057) == 2);  // 1057 -> 1058: 17 << 1, then 1024
  CHECK(cmds((1ULL << 20) + 1) == 2);
  CHECK(cmds((1ULL << 30) - 1) == 6);  // 30 one-bits: 5 bits per command

  auto one = smmu_plan(p, no_ats(), kOnePage);
  CHECK(one.submissions[0].descs[0] == Descriptor{DescKind::smmu_tlbi_va, -1, kBase, 1, false});  // 2 pages
  auto p65 = smmu_plan(p, no_ats(), pages_at(kBase, 65));
  REQUIRE(p65.submissions[0].descs.size() == 2);
  CHECK(p65.submissions[0].descs[1].addr == kBase + 2 * 0x1000);  // iova advanced by the first command
  CHECK(p65.submissions[0].descs[1].mask == 6);
}

TEST_CASE("SMMUv3: ATC_INV per stream, batched, one sync", "[flush]") {
  std::vector<Attachment> at{{0, 0, true, false, 3}, {1, 0, false, false, 2}, {2, 0, true, false, 70}};
  auto plan = smmu_plan(Params{}, at, kOnePage);
  // TLBI+sync, then 73 ATC_INVs: 64 without sync, 9 with.
  CHECK(sizes(plan) == std::vector<std::size_t>{1, 64, 9});
  CHECK(waits(plan) == std::vector<bool>{true, false, true});
  CHECK(plan.submissions[1].descs[0].device == 0);
  CHECK(plan.submissions[1].descs[2].device == 0);
  CHECK(plan.submissions[1].descs[3].device == 2);
  // The span of a straddling range: pages 0x1ff..0x200 -> log2_span 10.
  auto wide = smmu_plan(Params{}, ats_devices(1), pages_at(0x1ff000, 2));
  CHECK(wide.submissions.back().descs[0] == Descriptor{DescKind::smmu_atc_inv, 0, 0, 10, false});
}

TEST_CASE("SMMUv3: a domain spanning SMMUs is planned per SMMU queue", "[flush]") {
  std::vector<Attachment> at{{0, 1, true, false, 1}, {1, 0, false, false, 1}, {2, 1, true, false, 1}};
  auto plan = smmu_plan(Params{}, at, kOnePage);
  REQUIRE(plan.submissions.size() == 3);
  CHECK(plan.submissions[0].iommu == 1);
  CHECK(plan.submissions[1].iommu == 1);
  CHECK(plan.submissions[1].descs.size() == 2);
  CHECK(plan.submissions[2].iommu == 0);
  CHECK(plan.submissions[2].descs[0].kind == DescKind::smmu_tlbi_va);
}

// ---------------------------------------------------------------------------------------------------
// AMD details

TEST_CASE("AMD: INVALIDATE_IOMMU_PAGES + INVALIDATE_IOTLB_PAGES per device", "[flush]") {
  std::vector<Attachment> at{{0, 0, true, false, 1}, {1, 0, false, false, 1}, {2, 1, true, false, 1}};
  auto plan = plan_one(*make_flush_planner("amd", Params{}), at, kOnePage);
  REQUIRE(plan.submissions.size() == 3);
  const Descriptor pages{DescKind::amd_inv_iommu_pages, -1, kBase, 0, false};
  CHECK(plan.submissions[0] == Submission{0, {pages, Descriptor{DescKind::amd_inv_iotlb_pages, 0, kBase, 0, false}}, true});
  CHECK(plan.submissions[1] == Submission{0, {pages}, true});
  CHECK(plan.submissions[2] == Submission{1, {pages, Descriptor{DescKind::amd_inv_iotlb_pages, 2, kBase, 0, false}}, true});
}

TEST_CASE("AMD: build_inv_address ranges", "[flush]") {
  auto first = [](const UnmapRange& r) { return plan_one(*make_flush_planner("amd", Params{}), no_ats(), r).submissions[0].descs[0]; };
  CHECK(first(pages_at(kBase, 2)) == Descriptor{DescKind::amd_inv_iommu_pages, -1, kBase, 1, false});
  CHECK(first(pages_at(kBase, 3)) == Descriptor{DescKind::amd_inv_iommu_pages, -1, kBase, 2, false});
  CHECK(first(pages_at(0x1ff000, 2)) == Descriptor{DescKind::amd_inv_iommu_pages, -1, 0, 10, false});
  CHECK(first({0x1234, 0x1240}) == Descriptor{DescKind::amd_inv_iommu_pages, -1, 0x1000, 0, false});
  CHECK(first(kFull) == Descriptor{DescKind::amd_inv_iommu_pages, -1, 0, 52, true});
}

// intel/cache.c cache_tag_flush_all() (6.10-6.11 and the 6.12+ qi_batch form): DEVTLB tags get the non-PASID
// qi_flush_dev_iotlb(.., 0, MAX_AGAW_PFN_WIDTH); svm.c intel_flush_svm_all() (6.7-6.9) the PASID-based one.
TEST_CASE("VT-d full flush: 6.10+ sends the non-PASID devTLB invalidation, 6.7-6.9 the PASID-based one", "[flush]") {
  const UnmapRange all{0, UINT64_MAX};
  for (const char* planner : {"vtd-cache-tags", "vtd-qi-batch"}) {
    INFO(planner);
    const FlushPlan plan = plan_one(*make_flush_planner(planner, Params{}), ats_devices(3), all);
    REQUIRE(plan.devtlb_count() == 3);
    for (const Submission& s : plan.submissions)
      for (const Descriptor& d : s.descs) CHECK(d.all_pasids == (d.kind == DescKind::vtd_devtlb));
    // A range flush stays PASID-based.
    for (const Submission& s : plan_one(*make_flush_planner(planner, Params{}), ats_devices(3), kOnePage).submissions)
      for (const Descriptor& d : s.descs) CHECK_FALSE(d.all_pasids);
  }
  for (const Submission& s : plan_one(*make_flush_planner("vtd-per-device", profile_params("linux-6.9-vtd")), ats_devices(3), all).submissions)
    for (const Descriptor& d : s.descs) CHECK_FALSE(d.all_pasids);
}
