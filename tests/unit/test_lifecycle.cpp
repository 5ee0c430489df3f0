// Domain lifetimes and the queue work of bind and unbind, without SimGrid.
#include <catch2/catch.hpp>

#include "models/domain/domain_table.hpp"
#include "models/flush/lifecycle.hpp"
#include "models/queue/queue_discipline.hpp"
#include "core/registry.hpp"
#include "unit_helpers.hpp"

using namespace svasim;

namespace {
Attachment dev(int d, int iommu, bool ats = true, bool pri = true) {
  Attachment a{d, iommu, ats, false, 1};
  a.pri = pri;
  return a;
}
}  // namespace

TEST_CASE("lifecycle: a shared per-mm domain lives exactly while it has attachments", "[lifecycle]") {
  auto sharing = make_domain_sharing("per-mm");
  DomainTable t(*sharing);
  const AttachResult a = t.attach(dev(0, 0));
  CHECK(a.allocated);
  CHECK(a.first_of_mm);
  const AttachResult b = t.attach(dev(1, 0));
  CHECK_FALSE(b.allocated);
  CHECK(b.domain == a.domain);
  CHECK(t.live().size() == 1);
  const AttachResult again = t.attach(dev(1, 0));  // a second queue on the same device: one more user
  CHECK_FALSE(again.new_handle);
  CHECK_FALSE(t.detach(1).last_user);
  CHECK(t.detach(1).last_user);
  CHECK(t.live().size() == 1);
  const DetachResult last = t.detach(0);
  CHECK(last.freed);
  CHECK(t.live().empty());
  const AttachResult fresh = t.attach(dev(0, 0));
  CHECK(fresh.allocated);
  CHECK(fresh.domain != a.domain);  // a new DID/ASID, never a reused id
  CHECK_THROWS_AS(t.detach(7), std::logic_error);
}

TEST_CASE("lifecycle: per-device domains die with their device and per-IOMMU ones with their last device", "[lifecycle]") {
  auto per_device = make_domain_sharing("per-device");
  DomainTable d(*per_device);
  d.attach(dev(0, 0));
  d.attach(dev(1, 0));
  CHECK(d.live().size() == 2);
  CHECK(d.detach(0).freed);
  CHECK(d.live().size() == 1);

  auto per_iommu = make_domain_sharing("per-mm-iommu");
  DomainTable s(*per_iommu);
  const int x = s.attach(dev(0, 0)).domain;
  const int y = s.attach(dev(1, 1)).domain;
  CHECK(s.attach(dev(2, 0)).domain == x);
  CHECK(x != y);
  CHECK_FALSE(s.detach(0).freed);
  CHECK(s.detach(2).freed);
  CHECK(s.live().size() == 1);
  CHECK(s.domain_of(1) == y);
  CHECK(s.domain_of(0) == -1);
}

TEST_CASE("lifecycle: VT-d bind costs two submissions only in caching mode; unbind three plus the PRI drain", "[lifecycle]") {
  auto sharing = make_domain_sharing("per-mm");
  DomainTable t(*sharing);
  FlushPlan bare, guest, unbind;
  const Attachment a = dev(0, 0);
  const AttachResult r = t.attach(a);
  plan_vtd_bind(a, r, false, bare);
  plan_vtd_bind(a, r, true, guest);
  CHECK(bare.submissions.empty());
  CHECK(guest.submissions.size() == 2);
  plan_vtd_unbind(a, t.detach(0), true, unbind);
  CHECK(unbind.submissions.size() == 4);
  CHECK(unbind.iotlb_count() == 2);
  CHECK(unbind.devtlb_count() == 2);

  // intel_drain_pasid_prq() (prq.c intel_iommu_drain_pasid_prq(), 6.12): a fenced wait without status write,
  // a PASID-selective PIOTLB and a devTLB with qw1 = 0 (address 0, one page), then qi_submit_sync()'s wait.
  const Submission& drain = unbind.submissions.back();
  REQUIRE(drain.descs.size() == 3);
  CHECK(drain.descs[0].kind == DescKind::vtd_fence_wait);
  CHECK(drain.descs[1].kind == DescKind::vtd_piotlb);
  CHECK(drain.descs[1].whole_pasid);
  CHECK(drain.descs[2].kind == DescKind::vtd_devtlb);
  CHECK(drain.descs[2].device == 0);
  CHECK(drain.descs[2].addr == 0);
  CHECK(drain.descs[2].mask == 0);
  CHECK_FALSE(drain.descs[2].whole_pasid);
  CHECK(drain.wait);

  FlushPlan no_pri;
  const Attachment b = dev(1, 0, true, false);
  t.attach(b);
  plan_vtd_unbind(b, t.detach(1), true, no_pri);
  CHECK(no_pri.submissions.size() == 3);
}

// arm-smmu-v3.c (6.11 as read): arm_smmu_set_pasid() -> arm_smmu_write_cd_entry() -> arm_smmu_write_entry() syncs
// an invalid -> valid CD in two steps (arm_smmu_sync_cd(): CMD_CFGI_CD per SID + CMD_SYNC), then
// arm_smmu_attach_commit() -> arm_smmu_atc_inv_master(); arm_smmu_remove_dev_pasid() -> arm_smmu_clear_cd() (two
// steps) + arm_smmu_atc_inv_master(); arm_smmu_sva_domain_free() -> arm_smmu_tlb_inv_asid().
TEST_CASE("lifecycle: SMMUv3 bind and unbind write the CD in two synced steps and invalidate the ATC", "[lifecycle]") {
  auto sharing = make_domain_sharing("per-mm-iommu");
  DomainTable t(*sharing);
  Attachment a = dev(0, 0), b = dev(1, 0, false, false);
  a.streams = 3;
  FlushPlan bind, bind_no_ats, detach_shared, detach_last;
  plan_smmu_bind(a, t.attach(a), bind);
  plan_smmu_bind(b, t.attach(b), bind_no_ats);
  REQUIRE(bind.submissions.size() == 3);
  for (int step : {0, 1}) {
    CHECK(bind.submissions[step].descs.size() == 3);  // one CMD_CFGI_CD per stream ID
    CHECK(bind.submissions[step].descs[0].kind == DescKind::smmu_cfgi_cd);
  }
  CHECK(bind.devtlb_count() == 3);  // CMD_ATC_INV per stream ID
  CHECK(bind_no_ats.submissions.size() == 2);
  CHECK(bind_no_ats.devtlb_count() == 0);
  plan_smmu_unbind(a, t.detach(0), detach_shared);
  CHECK(detach_shared.submissions.size() == 3);  // the domain lives on: no TLBI by ASID
  CHECK(detach_shared.iotlb_count() == 0);
  plan_smmu_unbind(b, t.detach(1), detach_last);
  REQUIRE(detach_last.submissions.size() == 3);  // two CD steps, no ATC (no ATS), TLBI_NH_ASID
  CHECK(detach_last.submissions.back().descs == std::vector<Descriptor>{Descriptor{DescKind::smmu_tlbi_asid, -1, 0, kMaxAgawPfnWidth, true}});
  for (const auto& sub : bind.submissions) CHECK(sub.wait);
}

// amd/pasid.c (6.10-6.15 as read): iommu_sva_set_dev_pasid() -> amd_iommu_set_gcr3() and remove_dev_pasid() ->
// amd_iommu_clear_gcr3() both reach update_gcr3() -> amd_iommu_dev_flush_pasid_all(): INVALIDATE_IOMMU_PAGES for
// the whole PASID, INVALIDATE_IOTLB_PAGES for an ATS device, COMPLETION_WAIT. No INVALIDATE_DEVTAB_ENTRY: the
// device table entry does not change when a PASID is bound.
TEST_CASE("lifecycle: AMD bind and unbind are each one whole-PASID flush (update_gcr3)", "[lifecycle]") {
  auto sharing = make_domain_sharing("per-mm");
  DomainTable t(*sharing);
  const Attachment a = dev(0, 0), no_ats = dev(1, 0, false, false);
  for (const Attachment& x : {a, no_ats}) {
    FlushPlan bind, unbind;
    plan_amd_bind(x, t.attach(x), bind);
    REQUIRE(bind.submissions.size() == 1);
    CHECK(bind.submissions[0].wait);
    CHECK(bind.iotlb_count() == 1);
    CHECK(bind.devtlb_count() == (x.ats ? 1u : 0u));
    for (const Descriptor& d : bind.submissions[0].descs) CHECK(d.whole_pasid);
    plan_amd_unbind(x, t.detach(x.device), unbind);
    CHECK(unbind.submissions == bind.submissions);
  }
  // A second user of a bound device's handle changes nothing in the GCR3 table.
  FlushPlan again, first_of_two;
  plan_amd_bind(a, t.attach(a), again);
  plan_amd_bind(a, t.attach(a), again);
  CHECK(again.submissions.size() == 1);
  plan_amd_unbind(a, t.detach(0), first_of_two);
  CHECK(first_of_two.submissions.empty());
}

// intel_pasid_tear_down_entry() (intel/pasid.c): up to 6.11 "Device IOTLB doesn't need to be flushed in caching
// mode" skipped devtlb_invalidation_with_pasid() in a guest; 'iommu/vt-d: Remove caching mode check before devtlb
// flush' (6.12) always sends it.
TEST_CASE("lifecycle: a guest's VT-d unbind skips the devTLB up to 6.11 and sends it from 6.12", "[lifecycle]") {
  auto devtlbs = [](const std::string& profile, bool caching_mode) {
    const auto queue = QueueDiscipline::factory().make("vtd-qi", test::profile_params(profile));
    auto sharing = make_domain_sharing("per-mm");
    DomainTable t(*sharing);
    const Attachment a = dev(0, 0, true, false);
    t.attach(a);
    FlushPlan plan;
    queue->plan_unbind(a, t.detach(0), caching_mode, plan);
    return plan.devtlb_count();
  };
  for (const char* old : {"linux-6.7-vtd", "linux-6.9-vtd", "linux-6.10-vtd"}) {
    INFO(old);
    CHECK(devtlbs(old, true) == 0);
    CHECK(devtlbs(old, false) == 1);  // bare metal: always
  }
  for (const char* now : {"linux-6.12-vtd", "linux-6.14-vtd"}) {
    INFO(now);
    CHECK(devtlbs(now, true) == 1);
    CHECK(devtlbs(now, false) == 1);
  }
}

// The mm's release at exit (mmu_notifier_release()): intel/svm.c intel_mm_release() tears down each device's
// PASID entry (intel_pasid_tear_down_entry(), no PRQ drain); arm-smmu-v3-sva.c arm_smmu_mm_release() quiesces
// each CD (two synced steps), then TLBI by ASID and one ATC_INV batch; amd/pasid.c sva_mn_release() runs
// remove_dev_pasid() per device.
TEST_CASE("lifecycle: the exit's mm release, per driver family", "[lifecycle]") {
  SvaDomain dom;
  dom.attachments = {dev(0, 0), dev(1, 0, false, false), dev(2, 0)};
  dom.attachments[2].streams = 2;

  FlushPlan vtd;
  plan_vtd_release(dom, true, vtd);
  CHECK(vtd.submissions.size() == 3 + 2 + 3);  // no drain although devices 0 and 2 have PRI
  CHECK(vtd.devtlb_count() == 2);
  FlushPlan vtd_guest_611;
  plan_vtd_release(dom, false, vtd_guest_611);
  CHECK(vtd_guest_611.devtlb_count() == 0);

  FlushPlan smmu;
  plan_smmu_release(dom, smmu);
  REQUIRE(smmu.submissions.size() == 3 * 2 + 2);
  CHECK(smmu.submissions[6].descs == std::vector<Descriptor>{Descriptor{DescKind::smmu_tlbi_asid, -1, 0, kMaxAgawPfnWidth, true}});
  CHECK(smmu.submissions[7].descs.size() == 1 + 2);  // one ATC_INV per stream of each ATS master, one CMD_SYNC
  CHECK(smmu.devtlb_count() == 3);

  FlushPlan amd;
  plan_amd_release(dom, amd);
  CHECK(amd.submissions.size() == 3);
  CHECK(amd.devtlb_count() == 2);
  for (const auto& s : amd.submissions)
    for (const Descriptor& d : s.descs) CHECK(d.whole_pasid);
}
