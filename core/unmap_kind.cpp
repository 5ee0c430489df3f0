#include "core/unmap_kind.hpp"

namespace svasim {

namespace {
struct Named {
  const char* name;
  UnmapKind kind;
};
constexpr Named kKinds[] = {{"munmap", UnmapKind::munmap},
                            {"madvise-dontneed", UnmapKind::madvise_dontneed},
                            {"reclaim", UnmapKind::reclaim}};
}  // namespace

const UnmapKind* unmap_kind_from_name(const std::string& name) {
  for (const Named& n : kKinds)
    if (name == n.name) return &n.kind;
  return nullptr;
}

const char* unmap_kind_name(UnmapKind kind) {
  for (const Named& n : kKinds)
    if (n.kind == kind) return n.name;
  return "?";
}

}  // namespace svasim
