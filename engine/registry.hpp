#pragma once
// Models are swappable by name. Each registers its name, a one-line description and the parameters it
// reads; profiles combine a domain-sharing model and a flush model under a kernel name. The registry is
// what `svasim list` prints and what scenarios name. Filled by register_builtin_models() (models/).
#include <map>
#include <string>
#include <vector>

namespace svasim {

enum class ModelKind { domain, flush, profile, pattern, environment };
const char* to_string(ModelKind k);

struct ModelEntry {
  ModelKind kind = ModelKind::flush;
  std::string name;
  std::string description;
  std::vector<std::string> params;         // parameter names the model reads
  // profiles only:
  std::string domain;                      // domain-sharing model name
  std::string flush;                       // flush model name
  std::map<std::string, double> overrides; // parameter values the kernel version fixes
};

class Registry {
public:
  static Registry& instance();
  void add(ModelEntry e);  // a second entry with the same kind and name is a programming error
  const ModelEntry* find(ModelKind kind, const std::string& name) const;
  std::vector<const ModelEntry*> list(ModelKind kind) const;  // in registration order
  std::string names(ModelKind kind) const;                    // "a, b, c" for error messages
  std::vector<std::string> name_list(ModelKind kind) const;

private:
  std::vector<ModelEntry> entries_;
};

}  // namespace svasim
