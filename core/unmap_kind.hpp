#pragma once
// How an unmap's pages go away: the kernel path decides what the secondary-TLB notifier is told
// (models/mm/arch_tlb_flush.hpp).
#include <string>

namespace svasim {

enum class UnmapKind {
  munmap,            // munmap(): unmap_region() -> tlb_finish_mmu() -> flush_tlb_mm_range()
  madvise_dontneed,  // madvise(MADV_DONTNEED): zap_page_range_single() -> tlb_finish_mmu(), same flush path
  reclaim,           // page reclaim/migration: try_to_unmap_one() -> set_tlb_ubc_flush_pending() ->
                     // arch_tlbbatch_add_pending(), one notifier call per page (per PTE the walk clears)
};

// "munmap", "madvise-dontneed", "reclaim"; nullptr for an unknown name.
const UnmapKind* unmap_kind_from_name(const std::string& name);
const char* unmap_kind_name(UnmapKind kind);

}  // namespace svasim
