#pragma once
// The vocabulary shared by every flush planner: what an mmu_notifier invalidation becomes on the
// invalidation queues, before any time passes. Pure data; no SimGrid.
#include <cstdint>
#include <string>
#include <vector>

namespace svasim {

inline constexpr unsigned kPageShift = 12;
// MAX_AGAW_PFN_WIDTH in intel/iommu.h: the mask that covers the whole address space.
inline constexpr unsigned kMaxAgawPfnWidth = 52;

enum class DescKind {
  vtd_piotlb,          // VT-d PASID-based IOTLB invalidation (page-selective or PASID-selective)
  vtd_devtlb,          // VT-d PASID-based device-TLB invalidation -> one ATS Invalidate Request
  smmu_tlbi_asid,      // SMMUv3 CMD_TLBI_NH_ASID
  smmu_tlbi_va,        // SMMUv3 CMD_TLBI_NH_VA (one page, or a range with FEAT_RANGE_INV)
  smmu_atc_inv,        // SMMUv3 CMD_ATC_INV for one stream -> one ATS Invalidate Request
  amd_inv_iommu_pages, // AMD INVALIDATE_IOMMU_PAGES
  amd_inv_iotlb_pages, // AMD INVALIDATE_IOTLB_PAGES (device IOTLB) -> one ATS Invalidate Request
  // Configuration caches, touched by bind and unbind (AMD flushes no DTE for a PASID bind):
  vtd_pasid_cache,     // VT-d PASID-cache invalidation (PASID-table entry changed)
  smmu_cfgi_cd,        // SMMUv3 CMD_CFGI_CD (context descriptor changed)
  // Not an invalidation: a wait descriptor with the fence flag and no status write, which only orders the
  // queue (the first of intel_drain_pasid_prq()'s three).
  vtd_fence_wait,      // VT-d inv_wait_dsc, IF=1, SW=0
  // Not an invalidation: the answer to a page request, which VT-d sends through the invalidation queue.
  vtd_page_response,   // VT-d page group response (QI_PGRP_RESP_TYPE) -> a PRG Response to `device`
  amd_complete_ppr,    // AMD COMPLETE_PPR_REQUEST (amd_iommu_complete_ppr()) -> a PRG Response to `device`
};

const char* to_string(DescKind k);
// Whether `k` invalidates anything (a fence or a page response does not: not counted as a descriptor).
bool is_invalidation(DescKind k);
// Whether `k` answers a page request (the IOMMU then sends a PRG Response to the descriptor's device).
bool is_page_response(DescKind k);
// IOMMU-side translation-cache invalidations (IOTLB / TLBI): counted as iotlb_invalidations.
bool is_iotlb(DescKind k);
// Device-side (ATC) invalidations: each one makes the IOMMU send an ATS Invalidate Request to `device`.
bool is_devtlb(DescKind k);

struct Descriptor {
  DescKind kind;
  int device = -1;        // topology device index for devTLB/ATC kinds, -1 otherwise
  std::uint64_t addr = 0; // first byte covered (aligned as the hardware requires)
  unsigned mask = 0;      // log2 of the pages covered; kMaxAgawPfnWidth (or more) = whole address space
  bool whole_pasid = false; // PASID-selective / by-ASID / full-range: not address based
  // A device-TLB invalidation without PASID (VT-d qi_flush_dev_iotlb(), the non-PASID device-TLB descriptor):
  // its ATS Invalidate Request carries no PASID and removes every PASID's ATC entries. Set only with the
  // whole address space, the one way the kernel uses it.
  bool all_pasids = false;
  bool operator==(const Descriptor&) const = default;
};

// The bytes a descriptor invalidates: [start, end), or everything of its PASID / ASID.
struct CoveredRange {
  std::uint64_t start = 0, end = 0;
  bool whole = false;
};
inline CoveredRange covered(const Descriptor& d) {
  if (d.whole_pasid || d.mask >= kMaxAgawPfnWidth) return {0, UINT64_MAX, true};
  return {d.addr, d.addr + ((1ULL << kPageShift) << d.mask), false};
}

// One call into the queue: VT-d qi_submit_sync(), an SMMUv3 arm_smmu_cmdq_issue_cmdlist(), or AMD
// iommu_queue_command()s closed by a completion wait. `wait` is the trailing wait descriptor / CMD_SYNC /
// COMPLETION_WAIT; an SMMUv3 full batch of 64 is issued without one.
struct Submission {
  int iommu = 0;  // topology IOMMU index
  std::vector<Descriptor> descs;
  bool wait = true;
  // Issued with the domain's devices_lock held (SMMUv3 arm_smmu_atc_inv_domain(): a batch that fills while
  // the ATC commands are gathered under the lock is issued there; the last one after the unlock). The
  // flush takes the lock before the first such submission and drops it before the next one without.
  bool under_devices_lock = false;
  bool operator==(const Submission&) const = default;
};

// The entries `s` takes in a queue: its descriptors and its wait.
inline int command_count(const Submission& s) { return static_cast<int>(s.descs.size()) + (s.wait ? 1 : 0); }

// Whether command `index` of `s` (index == descs.size() is its wait) is the last one written.
inline bool is_last_command(const Submission& s, std::size_t index) {
  return index == (s.wait || s.descs.empty() ? s.descs.size() : s.descs.size() - 1);
}

// The ordered submissions of one invalidation. The CPU thread issues them one after another.
struct FlushPlan {
  std::vector<Submission> submissions;
  std::size_t iotlb_count() const;
  std::size_t devtlb_count() const;
  std::size_t wait_count() const;
};

// A device (PASID) attached to an SVA domain, as the driver's attachment list sees it.
struct Attachment {
  int device = 0;  // topology device index
  int iommu = 0;   // topology IOMMU index the device sits behind
  bool ats = true; // ATS enabled: the device has an ATC that must be invalidated
  bool extra_devtlb_quirk = false; // Intel QAT 0x4940-0x4943: one more devTLB flush per chunk
  int streams = 1; // SMMUv3 stream IDs of the master (one ATC_INV each)
  bool pri = false; // PRI enabled: unbind drains its page requests
  bool operator==(const Attachment&) const = default;
};

// An SVA domain with its attachments in attach order. Each domain has its own mmu_notifier, so an
// unmap is planned once per domain of the mm.
struct SvaDomain {
  int id = 0;
  std::vector<Attachment> attachments;
};

// The range an mmu_notifier reports: [start, end) in bytes. start == 0 && end == UINT64_MAX is the
// "invalidate everything" case (arch_invalidate_secondary_tlbs(mm, 0, -1UL)).
struct UnmapRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  bool is_full() const { return start == 0 && end == UINT64_MAX; }
  std::uint64_t pages() const { return (end - start + (1ULL << kPageShift) - 1) >> kPageShift; }
};

}  // namespace svasim
