#pragma once
// A process's address space as the simulation tracks it: which pages are present, and which SVA domain
// each device is attached through.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/domain/domain_table.hpp"

namespace svasim {

// A process's page table as devices see it: one present bit per mapping (4 KiB or 2 MiB page).
struct MmState {
  std::vector<std::uint8_t> present;
  unsigned page_shift = 12;
  std::uint64_t bytes = 0;
  std::vector<int> device_domain;  // per device index: the SVA domain id it is attached through, -1 unbound
  std::unique_ptr<DomainTable> table;  // live domains and handles
  bool is_present(std::uint64_t addr) const { return addr < bytes && present[addr >> page_shift]; }
  // Marks the mappings overlapping [start, end) (bytes; clipped to the region).
  void set_present(std::uint64_t start, std::uint64_t end, bool value);
};

// IOTLB/paging-structure tag of (process, domain): per-device domains really do not share entries.
inline std::uint32_t iotlb_scope(int process, int domain) {
  return static_cast<std::uint32_t>(process) << 16 | static_cast<std::uint32_t>(domain);
}

}  // namespace svasim
