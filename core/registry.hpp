#pragma once
// Models are swappable by name. Every model lives in its own file and registers itself there with one
// line, declaring its axis, name, one-line description, the parameters it reads, the companion models it
// needs on other axes, and how to build it:
//
//   SVASIM_REGISTER(FlushPlanner, "vtd-qi-batch", make,
//                   {.description = "VT-d 6.12+ qi_batch: ...", .params = {"vtd.qi_batch_size"},
//                    .companions = {{"queue", "vtd-qi"}}});
//
// An axis is an interface (FlushPlanner, DomainSharing, QueueDiscipline, Environment, AccessPattern,
// profiles) that names itself with `static constexpr AxisInfo kAxis`. The catalog below is what
// `svasim list`, docs/PARAMETERS.md and the scenario loader read; Factory<I> builds a model by name.
// Nothing here knows any model: there is no list of names anywhere but in the registrations.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace svasim {

class Params;

// One axis a user varies; declared by its interface.
struct AxisInfo {
  const char* key;          // "flush": the catalog key, and the key in a profile's companions
  const char* heading;      // "Flush models"
  const char* scenario_key; // where a scenario names it: "models.flush"
  int order;                // position in `svasim list`
};

// What a model declares about itself.
struct ModelInfo {
  std::string description;                         // one line
  std::vector<std::string> params = {};            // declared parameters it reads
  std::map<std::string, std::string> companions = {}; // axis key -> model name it needs there (profiles: all)
  std::map<std::string, double> overrides = {};    // parameter values it fixes (profiles: the kernel's constants)
  std::map<std::string, std::string> sources = {}; // where each of those values comes from (platform presets)
  std::vector<std::string> keys = {};              // scenario keys beside "kind" that apply to it (patterns)
  std::vector<std::string> stands_in_for = {};     // models of its axis it may replace beside a planner that
                                                   // names them (a queue discipline serving VT-d descriptors)
  bool is_default = false;                         // the axis' choice when a scenario names none
};

struct ModelEntry {
  std::string axis;
  std::string name;
  ModelInfo info;
  std::string file;  // the source file that registered it (for docs and the contributor guide)
};

// Every registered model, type-erased: for listing, name checks and did-you-mean.
class Catalog {
public:
  static Catalog& instance();
  void add_axis(const AxisInfo& a);
  void add(ModelEntry e);  // a second model with the same axis and name is a programming error (aborts)
  const ModelEntry* find(const std::string& axis, const std::string& name) const;
  // In natural order (linux-6.9 before linux-6.10), whatever the order static registration ran in.
  std::vector<const ModelEntry*> list(const std::string& axis) const;
  std::vector<std::string> name_list(const std::string& axis) const;
  std::string names(const std::string& axis) const;  // "a, b, c" for messages
  const ModelEntry* default_of(const std::string& axis) const;
  std::vector<AxisInfo> axes() const;  // in their declared order
  const AxisInfo* axis(const std::string& key) const;

private:
  std::deque<ModelEntry> entries_;  // a deque: pointers handed out stay valid as models register
  std::vector<AxisInfo> axes_;
};

// "linux-6.9" < "linux-6.10": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b);

// Builds models of interface I by name from Args (what the model's make function takes). I::kAxis names
// the axis.
template <class I, class... Args>
class Factory {
public:
  using Make = std::function<std::unique_ptr<I>(Args...)>;
  static Factory& instance() {
    static Factory f;
    return f;
  }
  void add(const std::string& name, Make make) { makers_[name] = std::move(make); }
  bool has(const std::string& name) const { return makers_.count(name) > 0; }
  // Names come from checked scenarios; an unknown one is a bug (std::logic_error).
  std::unique_ptr<I> make(const std::string& name, Args... args) const {
    auto it = makers_.find(name);
    if (it == makers_.end()) throw std::logic_error(std::string("no ") + I::kAxis.key + " model named " + name);
    return it->second(args...);
  }

private:
  std::map<std::string, Make> makers_;
};

namespace detail {
template <class I, class Make>
struct ModelRegistrar {
  ModelRegistrar(const char* name, const char* file, ModelInfo info, Make make) {
    Catalog::instance().add_axis(I::kAxis);
    Catalog::instance().add({I::kAxis.key, name, std::move(info), file});
    I::factory().add(name, std::move(make));
  }
};
template <class I>
struct DataRegistrar {  // axes whose models are data only (profiles)
  DataRegistrar(const char* name, const char* file, ModelInfo info) {
    Catalog::instance().add_axis(I::kAxis);
    Catalog::instance().add({I::kAxis.key, name, std::move(info), file});
  }
};
}  // namespace detail

#define SVASIM_CONCAT_(a, b) a##b
#define SVASIM_CONCAT(a, b) SVASIM_CONCAT_(a, b)
// SVASIM_REGISTER(Interface, "name", make_function, {.description = ..., .params = {...}})
// SVASIM_REGISTER_DATA(Interface, "name", {...}) for axes whose models are data only (profiles).
#define SVASIM_REGISTER(Interface, name, make, ...)                                                          \
  static const ::svasim::detail::ModelRegistrar<Interface, decltype(make)> SVASIM_CONCAT(svasim_registrar_, \
                                                                                        __LINE__){          \
      name, __FILE__, ::svasim::ModelInfo __VA_ARGS__, make}
#define SVASIM_REGISTER_DATA(Interface, name, ...)                                                  \
  static const ::svasim::detail::DataRegistrar<Interface> SVASIM_CONCAT(svasim_registrar_, __LINE__){ \
      name, __FILE__, ::svasim::ModelInfo __VA_ARGS__}

}  // namespace svasim
