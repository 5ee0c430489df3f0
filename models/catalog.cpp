#include "models/catalog.hpp"

#include <stdexcept>

#include "engine/registry.hpp"

namespace svasim {

namespace {

const std::vector<std::string> kTimingParams = {
    "cpu.notifier_ns", "cpu.submit_ns", "cpu.desc_write_ns", "cpu.poll_ns", "iommu.iotlb_inv_ns",
    "iommu.devtlb_issue_ns", "iommu.wait_ns", "queue.desc_bytes", "device.ats_inv_ns", "device.ats_inv_jitter_ns",
    "device.max_ats_inv_outstanding", "pcie.ats_msg_bytes"};

std::vector<std::string> with_timing(std::vector<std::string> own) {
  own.insert(own.end(), kTimingParams.begin(), kTimingParams.end());
  return own;
}

}  // namespace

void register_builtin_models() {
  auto& r = Registry::instance();
  r.add({ModelKind::domain, "per-device", "one SVA domain per bound device (iommu core before 6.8)", {}, {}, {}, {}});
  r.add({ModelKind::domain, "per-mm", "one SVA domain per mm shared by all its devices (iommu core 6.8+)", {}, {}, {}, {}});
  r.add({ModelKind::domain, "per-mm-iommu", "one SVA domain per (mm, IOMMU instance) (Arm SMMUv3 6.11+)", {}, {}, {}, {}});

  r.add({ModelKind::flush, "vtd-per-device",
         "VT-d <= 6.9: per device and chunk, a PIOTLB and a devTLB qi_submit_sync each (2N..4N waits)",
         with_timing({"vtd.full_range_pasid_selective"}), {}, {}, {}});
  r.add({ModelKind::flush, "vtd-cache-tags",
         "VT-d 6.10-6.11 cache tags: one qi_submit_sync per tag (K + sum(ATS) waits)",
         with_timing({"vtd.cache_tag_order"}), {}, {}, {}});
  r.add({ModelKind::flush, "vtd-qi-batch",
         "VT-d 6.12+ qi_batch: tag walk batched 16 descriptors per submission, split per IOMMU",
         with_timing({"vtd.qi_batch_size", "vtd.cache_tag_order"}), {}, {}, {}});
  r.add({ModelKind::flush, "smmuv3",
         "SMMUv3 6.11+: TLBI + CMD_SYNC and ATC_INV per stream + CMD_SYNC per SMMU, batches of 64",
         with_timing({"smmu.cmdq_batch_size", "smmu.max_tlbi_ops", "smmu.range_inv"}), {}, {}, {}});
  r.add({ModelKind::flush, "amd",
         "AMD 6.10+: per device-PASID INVALIDATE_IOMMU_PAGES + device IOTLB + completion wait (N waits)",
         with_timing({}), {}, {}, {}});

  r.add({ModelKind::environment, "bare-metal", "the kernel drives the physical IOMMU queues directly", {}, {}, {}, {}});
  r.add({ModelKind::environment, "guest-emulated-viommu",
         "a guest with an emulated vIOMMU and emulated devices: each tail write exits to the VMM, which processes the "
         "queue synchronously; one emulated queue per vIOMMU serialises the vCPUs",
         {"vm.exit_ns", "vm.emulated_desc_ns"}, {}, {}, {}});
  r.add({ModelKind::environment, "guest-nested",
         "a guest with assigned devices and nested translation: each tail write exits, and the VMM has the host issue "
         "the matching physical invalidation (iommufd) and waits for it before the guest resumes",
         {"vm.exit_ns", "vm.emulated_desc_ns", "vm.iommufd_ns"}, {}, {}, {}});
  r.add({ModelKind::pattern, "sequential", "DMA requests one after another through the working set, wrapping", {}, {}, {}, {}});
  r.add({ModelKind::pattern, "uniform", "DMA requests at uniformly random request-sized slots of the working set", {}, {}, {}, {}});
  r.add({ModelKind::pattern, "zipf", "popular slots (zipf_s) scattered over the working set, O(1) sampling", {}, {}, {}, {}});
  r.add({ModelKind::pattern, "window", "uniform within window_pages sliding by window_step_pages every window_step_requests", {}, {}, {}, {}});

  r.add({ModelKind::profile, "linux-6.7-vtd", "Intel VT-d, Linux 6.7: per-device SVA domains, per-device flushes",
         {}, "per-device", "vtd-per-device", {{"vtd.full_range_pasid_selective", 0}}});
  r.add({ModelKind::profile, "linux-6.9-vtd", "Intel VT-d, Linux 6.8-6.9: one SVA domain per mm, still per-device flushes",
         {}, "per-mm", "vtd-per-device", {{"vtd.full_range_pasid_selective", 1}}});
  r.add({ModelKind::profile, "linux-6.10-vtd", "Intel VT-d, Linux 6.10-6.11: cache tags, one submission per tag",
         {}, "per-mm", "vtd-cache-tags", {}});
  r.add({ModelKind::profile, "linux-6.12-vtd", "Intel VT-d, Linux 6.12+: cache tags with qi_batch",
         {}, "per-mm", "vtd-qi-batch", {}});
  r.add({ModelKind::profile, "linux-6.11-smmuv3", "Arm SMMUv3, Linux 6.11+: one SVA domain per (mm, SMMU)",
         {}, "per-mm-iommu", "smmuv3", {}});
  r.add({ModelKind::profile, "linux-6.10-amd", "AMD IOMMU v2, Linux 6.10+: per device-PASID flushes and waits",
         {}, "per-mm", "amd", {}});
}

std::unique_ptr<DomainSharing> make_domain_sharing(const std::string& name) {
  if (name == "per-device") return make_per_device_domains();
  if (name == "per-mm") return make_per_mm_domain();
  if (name == "per-mm-iommu") return make_per_mm_iommu_domains();
  throw std::logic_error("unregistered domain model " + name);
}

std::unique_ptr<FlushPlanner> make_flush_planner(const std::string& name, const Params& params) {
  if (name == "vtd-per-device") return make_vtd_per_device_planner(params);
  if (name == "vtd-cache-tags") return make_vtd_cache_tag_planner(params);
  if (name == "vtd-qi-batch") return make_vtd_qi_batch_planner(params);
  if (name == "smmuv3") return make_smmuv3_planner(params);
  if (name == "amd") return make_amd_planner(params);
  throw std::logic_error("unregistered flush model " + name);
}

}  // namespace svasim
