#pragma once
// The cache-tag walk shared by the Linux 6.10+ VT-d planners (intel/cache.c): which tags an SVA domain
// holds, in which list order, and the descriptors cache_tag_flush_range()/cache_tag_flush_all() emit
// for each. vtd_cache_tags.cpp and vtd_qi_batch.cpp differ only in how descriptors become submissions.
#include <vector>

#include "core/params.hpp"
#include "models/flush/plan.hpp"

namespace svasim::vtd {

enum class TagType { iotlb, devtlb };

struct CacheTag {
  TagType type = TagType::iotlb;
  int iommu = 0;
  const Attachment* dev = nullptr;  // the ATS device of a DEVTLB tag; nullptr for IOTLB tags
};

// Where cache_tag_assign() links a new tag into domain->cache_tags.
enum class TagOrder {
  // svasim's model (DOMAIN.md): each IOMMU's tags contiguous, IOMMUs in order of first attachment.
  grouped_first_seen,
  // Linux 6.14+ ("iommu/vt-d: Link cache tags of same iommu unit together"): list_add() after the
  // last tag of the same IOMMU, else at the list head, so the newest IOMMU's group comes first.
  grouped_newest_first,
  // Linux 6.10-6.13: list_add_tail(), tags in plain attach order (IOMMUs may interleave).
  attach_order,
};

// The order the vtd.cache_tag_order parameter selects.
TagOrder tag_order(const Params& p);

// The domain's tags: per attachment in attach order, __cache_tag_assign_domain() assigns the IOTLB tag
// of (IOMMU, DID, PASID) -- shared by every device of the domain on that IOMMU, so only the first one
// creates it -- then, if ATS is enabled, the device's own DEVTLB tag.
std::vector<CacheTag> cache_tags(const SvaDomain& domain, TagOrder order = TagOrder::grouped_first_seen);

// The (addr, mask) every tag of one flush uses: calculate_psi_aligned_address(start, end - 1) for a
// range (intel_arch_invalidate_secondary_tlbs passes the inclusive end), addr 0 / MAX_AGAW_PFN_WIDTH /
// PASID-selective for the full range (cache_tag_flush_all()).
struct TagRange {
  std::uint64_t addr = 0;
  unsigned mask = 0;
  bool whole = false;
};
TagRange tag_range(const UnmapRange& range);

// The descriptors one tag produces, in order: an IOTLB tag one PASID-based IOTLB invalidation
// (cache_tag_flush_iotlb -> qi_flush_piotlb / qi_batch_add_piotlb); a DEVTLB tag one PASID-based
// device-TLB invalidation, plus a second identical one for devices with dtlb_extra_inval (the QAT
// quirk, cache_tag_flush_devtlb_psi / cache_tag_flush_devtlb_all).
std::vector<Descriptor> tag_descriptors(const CacheTag& tag, const TagRange& r);

}  // namespace svasim::vtd
