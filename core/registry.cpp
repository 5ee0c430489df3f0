#include "core/registry.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace svasim {

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      if (na.size() != nb.size()) return na.size() < nb.size();  // no leading zeros in model names
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

Catalog& Catalog::instance() {
  static Catalog c;
  return c;
}

void Catalog::add_axis(const AxisInfo& a) {
  for (const AxisInfo& x : axes_)
    if (std::string(x.key) == a.key) return;
  axes_.push_back(a);
  std::stable_sort(axes_.begin(), axes_.end(), [](const AxisInfo& x, const AxisInfo& y) { return x.order < y.order; });
}

void Catalog::add(ModelEntry e) {
  // Runs during static initialisation: a duplicate is a programming error found on the first start.
  if (const ModelEntry* other = find(e.axis, e.name)) {
    std::fprintf(stderr, "svasim: %s model \"%s\" registered twice (%s and %s)\n", e.axis.c_str(), e.name.c_str(),
                 other->file.c_str(), e.file.c_str());
    std::abort();
  }
  entries_.push_back(std::move(e));
}

const ModelEntry* Catalog::find(const std::string& axis, const std::string& name) const {
  for (const auto& e : entries_)
    if (e.axis == axis && e.name == name) return &e;
  return nullptr;
}

std::vector<const ModelEntry*> Catalog::list(const std::string& axis) const {
  std::vector<const ModelEntry*> out;
  for (const auto& e : entries_)
    if (e.axis == axis) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const ModelEntry* a, const ModelEntry* b) { return natural_less(a->name, b->name); });
  return out;
}

std::vector<std::string> Catalog::name_list(const std::string& axis) const {
  std::vector<std::string> out;
  for (const auto* e : list(axis)) out.push_back(e->name);
  return out;
}

std::string Catalog::names(const std::string& axis) const {
  std::string s;
  for (const auto* e : list(axis)) s += (s.empty() ? "" : ", ") + e->name;
  return s;
}

const ModelEntry* Catalog::default_of(const std::string& axis) const {
  for (const auto* e : list(axis))
    if (e->info.is_default) return e;
  return nullptr;
}

std::vector<AxisInfo> Catalog::axes() const { return axes_; }

const AxisInfo* Catalog::axis(const std::string& key) const {
  for (const AxisInfo& a : axes_)
    if (key == a.key) return &a;
  return nullptr;
}

}  // namespace svasim
