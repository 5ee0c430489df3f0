#include "core/params.hpp"
#include "models/flush/vtd_tags.hpp"

#include <algorithm>

#include "models/flush/range.hpp"

namespace svasim::vtd {

SVASIM_PARAM({.name = "vtd.cache_tag_order", .unit = "enum", .default_value = 2, .max = 2, .integer = true,
              .description = "order of a domain's cache tags (6.10+ planners): 2 attach order, IOMMUs interleaving "
                             "(6.10-6.13: list_add_tail); 1 each IOMMU's tags together, newest IOMMU at the head "
                             "(6.14+: list_add after the IOMMU's last tag); 0 grouped, IOMMUs in order of first "
                             "attachment (DOMAIN.md's idealisation; no kernel release does this)",
              .source = "intel/cache.c cache_tag_assign(): list_add_tail in v6.10-v6.13; acf5d49aaf86 'iommu/vt-d: "
                        "Link cache tags of same iommu unit together' (v6.14)"});

TagOrder tag_order(const Params& p) {
  switch (p.get_int("vtd.cache_tag_order")) {
    case 0: return TagOrder::grouped_first_seen;
    case 1: return TagOrder::grouped_newest_first;
    default: return TagOrder::attach_order;
  }
}

std::vector<CacheTag> cache_tags(const SvaDomain& domain, TagOrder order) {
  std::vector<CacheTag> tags;
  // cache_tag_assign(): a matching tag only gains a user; otherwise the new tag is linked per `order`.
  auto assign = [&](const CacheTag& t) {
    auto same_iommu_last = tags.end();
    for (auto it = tags.begin(); it != tags.end(); ++it) {
      if (it->type == t.type && it->iommu == t.iommu && it->dev == t.dev) return;  // cache_tage_match
      if (it->iommu == t.iommu) same_iommu_last = it;
    }
    if (order == TagOrder::attach_order || same_iommu_last == tags.end()) {
      tags.insert(order == TagOrder::grouped_newest_first ? tags.begin() : tags.end(), t);
    } else {
      tags.insert(same_iommu_last + 1, t);
    }
  };
  for (const Attachment& a : domain.attachments) {
    assign({TagType::iotlb, a.iommu, nullptr});
    if (a.ats) assign({TagType::devtlb, a.iommu, &a});
  }
  return tags;
}

TagRange tag_range(const UnmapRange& range) {
  if (range.is_full()) return {0, kMaxAgawPfnWidth, true};
  const PsiBlock b = psi_aligned_block(range.start, range.end - 1);
  return {b.addr, b.mask, false};
}

std::vector<Descriptor> tag_descriptors(const CacheTag& tag, const TagRange& r) {
  if (tag.type == TagType::iotlb) {
    // PASID-selective (npages == -1) for flush_all, else page-selective-within-PASID with AM = mask.
    return {Descriptor{DescKind::vtd_piotlb, -1, r.addr, r.mask, r.whole}};
  }
  // cache_tag_flush_all() flushes a DEVTLB tag with the non-PASID qi_flush_dev_iotlb(.., 0, MAX_AGAW_PFN_WIDTH)
  // (6.10-6.11; qi_batch_add_dev_iotlb() from 6.12): every PASID's ATC entries of the device go.
  const Descriptor d{DescKind::vtd_devtlb, tag.dev->device, r.addr, r.mask, r.whole, r.whole};
  if (tag.dev->extra_devtlb_quirk) return {d, d};
  return {d};
}

}  // namespace svasim::vtd
