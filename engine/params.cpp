#include "engine/params.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "engine/error.hpp"
#include "engine/suggest.hpp"

namespace svasim {

namespace {

// Cycles are converted at 2.6 GHz, the clock of the Xeons the cited measurements come from.
std::vector<ParamDecl> declare() {
  std::vector<ParamDecl> d;
  auto add = [&d](ParamDecl p) { d.push_back(std::move(p)); };
  // --- CPU side of an invalidation (the thread inside the mmu_notifier) ---
  add({"cpu.notifier_ns", "ns", 100, 0, 1e9, false,
       "CPU cost to enter the mmu_notifier and walk the domain's attachments or cache tags, per domain "
       "(assumption: no published figure)",
       "assumption"});
  add({"cpu.submit_ns", "ns", 300, 0, 1e9, false,
       "CPU cost of one queue submission excluding descriptor copies: lock, free-slot check, tail write, "
       "reclaim (800 cycles at 2.6 GHz)",
       "T. Zhang, 'Batch IOTLB/dev-IOTLB invalidation' series, 2024: merging saves > 800 cycles per call"});
  add({"cpu.desc_write_ns", "ns", 10, 0, 1e9, false,
       "CPU cost to copy one descriptor (or command) into the queue, wait descriptors included "
       "(assumption: a 32-byte store to cached memory)",
       "assumption"});
  add({"cpu.poll_ns", "ns", 20, 0, 1e9, false,
       "delay between the wait status being written and the spinning CPU seeing it (one cpu_relax() "
       "poll; assumption)",
       "assumption"});
  add({"cpu.bind_ns", "ns", 2000, 0, 1e12, false,
       "CPU cost of a bind besides its queue work: domain lookup or allocation, cache tags, PASID-table entry, "
       "notifier registration (assumption)",
       "assumption"});
  add({"cpu.unbind_ns", "ns", 2000, 0, 1e12, false,
       "CPU cost of an unbind besides its queue work: PASID-entry teardown, tag release, domain put (assumption)",
       "assumption"});
  // --- IOMMU queue engine ---
  add({"iommu.iotlb_inv_ns", "ns", 300, 0, 1e9, false,
       "IOMMU time to process one IOTLB invalidation descriptor; with cpu.submit_ns and iommu.wait_ns "
       "an uncontended 1-descriptor submission costs ~2,100 cycles",
       "derived from Malka et al., rIOMMU, ASPLOS 2015: ~2,130 cycles per strict-unmap IOTLB invalidation"});
  add({"iommu.devtlb_issue_ns", "ns", 50, 0, 1e9, false,
       "IOMMU time to turn a devTLB/ATC_INV descriptor into an ATS Invalidate Request (assumption)",
       "assumption"});
  add({"iommu.wait_ns", "ns", 100, 0, 1e9, false,
       "IOMMU time to retire a wait descriptor / CMD_SYNC once everything before it completed: the "
       "status write to memory (assumption, part of the rIOMMU total)",
       "assumption within Malka et al., rIOMMU, ASPLOS 2015"});
  add({"vtd.ite_timeout_ns", "ns", 60e9, 1000, 1e13, false,
       "time after which the VT-d hardware reports an invalidation time-out error (ITE) for an unanswered "
       "device-TLB invalidation; the driver aborts the pending waits and resubmits (the PCIe deadline for an "
       "ATS Invalidate Completion is 1 minute)",
       "PCIe 6.1 sec. 10.3.1 (1 minute); intel/dmar.c qi_check_fault()"});
  add({"smmu.sync_timeout_ns", "ns", 1e9, 1000, 1e13, false,
       "SMMUv3 CMD_SYNC poll time-out; the driver reports it and retries the sync once",
       "ARM_SMMU_POLL_TIMEOUT_US, arm-smmu-v3.h"});
  add({"amd.completion_timeout_ns", "ns", 1e8, 1000, 1e13, false,
       "AMD completion-wait time-out; the driver reports it and goes on", "wait_on_sem(), Linux amd iommu"});
  add({"vtd.qi_ring_entries", "descriptors", 256, 4, 65536, true,
       "VT-d invalidation queue ring size; a submission of n descriptors waits for n + 2 free slots",
       "QI_LENGTH, intel/dmar.c qi_submit_sync()"});
  add({"queue.desc_bytes", "bytes", 32, 1, 4096, true,
       "bytes per descriptor moved from memory to the IOMMU (VT-d scalable-mode descriptors are 256-bit)",
       "Intel VT-d specification 6.5.2 (256-bit descriptors in scalable mode)"});
  // --- Device ---
  add({"device.ats_inv_ns", "ns", 3300, 0, 1e12, false,
       "device time to process one ATS Invalidate Request before answering (default for devices "
       "without their own ats_inv_ns); 4.2 us end to end through the IOMMU minus the rest of the path",
       "derived from Vesely et al., ISPASS 2016: device TLB shootdown 4.2 us (one entry)"});
  add({"device.ats_inv_jitter_ns", "ns", 0, 0, 1e12, false,
       "mean of an exponential extra delay added to each ATS invalidation answer, drawn from the device's "
       "seeded stream (assumption: 0 keeps answers constant; no published distribution)",
       "assumption"});
  add({"device.max_ats_inv_outstanding", "requests", 32, 1, 32, true,
       "ATS Invalidate Requests outstanding per device (ITag 0..31)", "PCIe ATS specification (ITag)"});
  add({"pcie.ats_msg_bytes", "bytes", 32, 1, 4096, true,
       "bytes of an ATS Invalidate Request or Completion on the link (TLP header + payload; assumption)",
       "assumption from PCIe TLP sizes"});
  // --- DMA and the translation path ---
  add({"dma.memory_ns", "ns", 100, 0, 1e9, false,
       "memory access behind the root complex for one DMA request; with two 250 ns link traversals a 64 B "
       "read round trip on an IOTLB hit is ~610 ns",
       "derived from pcie-bench (Neugebauer et al., SIGCOMM 2018): 64 B DMA read ~610 ns, Broadwell, Gen3 x8"});
  add({"dma.max_outstanding", "requests", 256, 1, 65536, true,
       "requests an open-loop device keeps in flight; arrivals beyond wait in the device (assumption)", "assumption"});
  add({"iommu.iotlb_entries", "entries", 2048, 0, 1 << 24, true, "IOTLB entries (0: no IOTLB)",
       "gem5 src/dev/arm/SMMUv3.py main TLB (no public figure for VT-d/AMD)"});
  add({"iommu.iotlb_ways", "ways", 4, 1, 1 << 24, true, "IOTLB associativity",
       "gem5 src/dev/arm/SMMUv3.py main TLB (4-way)"});
  add({"iommu.pwc_pml4_entries", "entries", 4, 0, 4096, true, "paging-structure cache of PML4 entries",
       "gem5 src/dev/arm/SMMUv3.py walk cache S1 L0"});
  add({"iommu.pwc_pdpt_entries", "entries", 28, 0, 4096, true, "paging-structure cache of PDPT entries",
       "gem5 src/dev/arm/SMMUv3.py walk cache S1 L1"});
  add({"iommu.pwc_pd_entries", "entries", 348, 0, 4096, true, "paging-structure cache of PD entries",
       "gem5 src/dev/arm/SMMUv3.py walk cache S1 L2"});
  add({"iommu.pwc_ways", "ways", 4, 1, 4096, true,
       "associativity of each paging-structure cache level (the largest divisor of its size up to this; levels "
       "as small as this are fully associative)",
       "gem5 src/dev/arm/SMMUv3.py (walk_assoc 4)"});
  add({"iommu.iotlb_miss_ns", "ns", 40, 0, 1e9, false,
       "fixed cost of an IOTLB miss besides the walk's memory reads; with one read the miss costs ~237 ns",
       "derived from pcie-bench: IOTLB miss +229..297 ns on a 64 B read"});
  add({"iommu.walk_read_ns", "ns", 197, 0, 1e9, false, "memory latency per page-walk read",
       "Rubin et al., 'Fast & Safe IO memory protection', SOSP 2024 (Cascade Lake)"});
  add({"device.atc_entries", "entries", 64, 0, 1 << 20, true,
       "device ATC entries (0: no ATC); no device publishes its size (assumption near gem5's 32-entry uTLB)",
       "assumption (gem5 SMMUv3 uTLB 32 as a nearby figure)"});
  add({"device.atc_ways", "ways", 4, 1, 1 << 20, true, "device ATC associativity (assumption)", "assumption"});
  add({"device.ats_inv_waits_for_dma", "bool", 1, 0, 1, true,
       "a device answers an ATS invalidation only after in-flight DMA that used the old translation finished "
       "(0 models a broken device, for what-if studies; the stale-translation check then fires)",
       "PCIe ATS specification (Invalidate Completion semantics)"});
  add({"pri.dispatch_ns", "ns", 3300, 0, 1e12, false,
       "page request to fault handler: PRQ interrupt, IOPF work queue wake-up (so that the fastest fault "
       "costs ~5 us end to end)",
       "derived from Vesely et al., ISPASS 2016: PRI faults 5..140 us, CPU fault 1.7 us"});
  add({"pri.prq_entries", "requests", 2048, 1, 1 << 20, true,
       "page requests the IOMMU's page-request queue holds; more in flight overflow it (the request fails and "
       "an unbind's drain is retried)",
       "PRQ_ORDER 4 (64 KiB of 32-byte descriptors), intel/prq.c"});
  add({"pri.fault_ns", "ns", 1700, 0, 1e12, false, "CPU time to handle one I/O page fault (handle_mm_fault)",
       "Vesely et al., ISPASS 2016 (secondary): CPU fault 1.7 us"});
  // --- Virtual machines ---
  add({"vm.exit_ns", "ns", 3200, 0, 1e12, false,
       "a guest's tail-register write: MMIO exit, handling in the VMM's user space, re-entry (a ~2,550-cycle "
       "KVM_RUN round trip, x3.3 when handled in user space, at 2.6 GHz)",
       "derived from LKML Dec 2020 (SVM exit/entry, KVM_RUN ~2,550 cycles) and P. Bonzini, VMX series 2019 (3.3x in user space)"});
  add({"vm.emulated_desc_ns", "ns", 150, 0, 1e12, false,
       "VMM time to process one emulated invalidation descriptor (assumption)", "assumption"});
  add({"vm.iommufd_ns", "ns", 2000, 0, 1e12, false,
       "VMM to host kernel for a nested invalidation (iommufd cache-invalidate ioctl), besides the physical "
       "submission itself (assumption)",
       "assumption"});
  // --- Flush planners ---
  add({"vtd.qi_batch_size", "descriptors", 16, 1, 254, true,
       "descriptors per qi_batch submission (6.12+ planner)", "QI_MAX_BATCHED_DESC_COUNT, intel/iommu.h"});
  add({"vtd.full_range_pasid_selective", "bool", 1, 0, 1, true,
       "a full-range flush (0..ULONG_MAX) is one PASID-selective PIOTLB plus a full devTLB per device "
       "(6.8+; profile linux-6.7-vtd sets 0)",
       "intel/svm.c intel_flush_svm_all(), Linux 6.8"});
  add({"vtd.cache_tag_order", "enum", 0, 0, 2, true,
       "order of a domain's cache tags (6.10+ planners): 0 each IOMMU's tags together, IOMMUs in order of "
       "first attachment (DOMAIN.md); 1 grouped, newest IOMMU first (6.14+ cache_tag_assign); 2 plain attach "
       "order, IOMMUs interleaving (6.10-6.13 list_add_tail)",
       "intel/cache.c cache_tag_assign(); 'iommu/vt-d: Link cache tags of same iommu unit together', 2025"});
  add({"smmu.cmdq_batch_size", "commands", 64, 1, 4096, true,
       "commands per SMMUv3 batch; a full batch is issued without CMD_SYNC", "CMDQ_BATCH_ENTRIES, arm-smmu-v3.h"});
  add({"smmu.max_tlbi_ops", "pages", 512, 1, 1e9, true,
       "without range invalidation, ranges of at least this many pages become one TLBI by ASID",
       "CMDQ_MAX_TLBI_OPS = 1 << (PAGE_SHIFT - 3), arm-smmu-v3-sva.c"});
  add({"smmu.range_inv", "bool", 0, 0, 1, true,
       "the SMMU implements FEAT_RANGE_INV (SMMUv3.2): TLBI by range commands instead of one per page",
       "ARM_SMMU_FEAT_RANGE_INV, arm-smmu-v3.c"});
  return d;
}

std::string describe_range(const ParamDecl& d) {
  std::ostringstream o;
  o << (d.integer ? "an integer" : "a number") << " in [" << d.min << ", " << d.max << "]";
  if (!d.unit.empty()) o << " (" << d.unit << ")";
  return o.str();
}

}  // namespace

const std::vector<ParamDecl>& all_params() {
  static const std::vector<ParamDecl> decls = declare();
  return decls;
}

const ParamDecl* find_param(const std::string& name) {
  for (const auto& d : all_params())
    if (d.name == name) return &d;
  return nullptr;
}

Params::Params() {
  for (const auto& d : all_params()) values_[d.name] = d.default_value;
}

double Params::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("undeclared parameter " + name);
  return it->second;
}

void Params::set(const std::string& name, double value, const std::string& json_path) {
  const ParamDecl* d = find_param(name);
  if (!d) {
    std::vector<std::string> known;
    for (const auto& p : all_params()) known.push_back(p.name);
    throw InputError(json_path, "unknown parameter \"" + name + "\"" + did_you_mean(name, known) +
                                    " (svasim list shows every parameter)");
  }
  if (!std::isfinite(value) || value < d->min || value > d->max || (d->integer && value != std::floor(value)))
    throw InputError(json_path, "parameter \"" + name + "\" expects " + describe_range(*d));
  values_[name] = value;
}

void Params::apply(const nlohmann::json& nested, const std::string& json_path) { apply_group(nested, "", json_path); }

// Walks nested groups so {"vtd": {"qi_batch_size": 8}} names vtd.qi_batch_size.
void Params::apply_group(const nlohmann::json& obj, const std::string& prefix, const std::string& path) {
  if (!obj.is_object()) throw InputError(path, "expected an object of parameter groups");
  for (const auto& [key, value] : obj.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    const std::string p = path + "/" + key;
    if (value.is_object())
      apply_group(value, name, p);
    else if (value.is_boolean()) {
      const ParamDecl* d = find_param(name);
      if (d && d->unit != "bool") throw InputError(p, "parameter \"" + name + "\" expects " + (d->integer ? "an integer" : "a number") + " (" + d->unit + "), not true/false");
      set(name, value.get<bool>() ? 1.0 : 0.0, p);
    }
    else if (value.is_number())
      set(name, value.get<double>(), p);
    else
      throw InputError(p, "parameter \"" + name + "\" expects a number or boolean");
  }
}

}  // namespace svasim
