#include <catch2/catch.hpp>

#include "core/params.hpp"
#include "models/domain/domain_sharing.hpp"
#include "models/flush/planner.hpp"

using namespace svasim;

namespace {
// Devices 0..4 behind IOMMUs 2, 0, 2, 1, 0 (bind order).
std::vector<Attachment> bound() {
  std::vector<Attachment> v;
  const int iommus[] = {2, 0, 2, 1, 0};
  for (int i = 0; i < 5; ++i) v.push_back(Attachment{i, iommus[i], i != 3, false, 1});
  return v;
}
std::vector<int> devices(const SvaDomain& d) {
  std::vector<int> v;
  for (const auto& a : d.attachments) v.push_back(a.device);
  return v;
}
}  // namespace

TEST_CASE("per-device sharing: one domain per bound device", "[domain]") {
  auto ds = make_domain_sharing("per-device")->domains(bound());
  REQUIRE(ds.size() == 5);
  for (int i = 0; i < 5; ++i) {
    const auto& d = ds[static_cast<std::size_t>(i)];
    CHECK(d.id == i);
    REQUIRE(d.attachments.size() == 1);
    CHECK(d.attachments[0] == bound()[static_cast<std::size_t>(i)]);
  }
}

TEST_CASE("per-mm sharing: one domain holding every device in bind order", "[domain]") {
  auto ds = make_domain_sharing("per-mm")->domains(bound());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].id == 0);
  CHECK(ds[0].attachments == bound());
}

TEST_CASE("per-(mm, IOMMU) sharing: one domain per IOMMU in order of first bind", "[domain]") {
  auto ds = make_domain_sharing("per-mm-iommu")->domains(bound());
  REQUIRE(ds.size() == 3);
  CHECK(ds[0].id == 0);
  CHECK(ds[1].id == 1);
  CHECK(ds[2].id == 2);
  CHECK(devices(ds[0]) == std::vector<int>{0, 2});  // IOMMU 2
  CHECK(devices(ds[1]) == std::vector<int>{1, 4});  // IOMMU 0
  CHECK(devices(ds[2]) == std::vector<int>{3});     // IOMMU 1
  for (const auto& d : ds)
    for (const auto& a : d.attachments) CHECK(a.iommu == d.attachments.front().iommu);
}

TEST_CASE("no binds, no domains", "[domain]") {
  CHECK(make_domain_sharing("per-device")->domains({}).empty());
  CHECK(make_domain_sharing("per-mm")->domains({}).empty());
  CHECK(make_domain_sharing("per-mm-iommu")->domains({}).empty());
}

TEST_CASE("sharing decides how often the notifier fires, not what <= 6.9 VT-d sends", "[domain]") {
  // The <= 6.9 planner works per device either way: per-device domains and one shared domain send
  // the same submissions, newest device first (svm->devs; the engine walks per-device domains backwards).
  auto planner = make_flush_planner("vtd-per-device", Params{});
  REQUIRE(planner->walks_newest_first());
  const UnmapRange r{0x400000, 0x401000};
  FlushPlan per_device, per_mm;
  const auto one_each = make_domain_sharing("per-device")->domains(bound());
  for (auto d = one_each.rbegin(); d != one_each.rend(); ++d) planner->plan(*d, r, per_device);
  for (const auto& d : make_domain_sharing("per-mm")->domains(bound())) planner->plan(d, r, per_mm);
  CHECK(per_device.submissions == per_mm.submissions);
  CHECK(per_mm.submissions.size() == 5 + 4);
  // The 6.10 cache-tag planner de-duplicates only inside a domain: per-device domains lose it.
  auto tags = make_flush_planner("vtd-cache-tags", Params{});
  FlushPlan t_dev, t_mm;
  for (const auto& d : make_domain_sharing("per-device")->domains(bound())) tags->plan(d, r, t_dev);
  for (const auto& d : make_domain_sharing("per-mm")->domains(bound())) tags->plan(d, r, t_mm);
  CHECK(t_dev.iotlb_count() == 5);
  CHECK(t_mm.iotlb_count() == 3);
}
