#include "engine/registry.hpp"

#include <stdexcept>

namespace svasim {

const char* to_string(ModelKind k) {
  switch (k) {
    case ModelKind::domain: return "domain";
    case ModelKind::flush: return "flush";
    case ModelKind::profile: return "profile";
    case ModelKind::pattern: return "pattern";
    case ModelKind::environment: return "environment";
  }
  return "?";
}

Registry& Registry::instance() {
  static Registry r;
  return r;
}

void Registry::add(ModelEntry e) {
  if (find(e.kind, e.name)) return;  // registering the built-ins twice is harmless
  entries_.push_back(std::move(e));
}

const ModelEntry* Registry::find(ModelKind kind, const std::string& name) const {
  for (const auto& e : entries_)
    if (e.kind == kind && e.name == name) return &e;
  return nullptr;
}

std::vector<const ModelEntry*> Registry::list(ModelKind kind) const {
  std::vector<const ModelEntry*> out;
  for (const auto& e : entries_)
    if (e.kind == kind) out.push_back(&e);
  return out;
}

std::vector<std::string> Registry::name_list(ModelKind kind) const {
  std::vector<std::string> out;
  for (const auto* e : list(kind)) out.push_back(e->name);
  return out;
}

std::string Registry::names(ModelKind kind) const {
  std::string s;
  for (const auto* e : list(kind)) s += (s.empty() ? "" : ", ") + e->name;
  return s;
}

}  // namespace svasim
