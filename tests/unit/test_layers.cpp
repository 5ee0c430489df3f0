// The layers read bottom up with no arrow back (docs/ARCHITECTURE.md): every #include of every source
// file is checked against the folders its own folder may use, and SimGrid appears only in engine/.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// Which project folders each layer may include from (itself included). The generated headers
// ("svasim/version.hpp", "svasim/schema_text.hpp") belong to core.
const std::map<std::string, std::set<std::string>> kMayInclude = {
    {"core", {"core", "svasim"}},
    {"models", {"core", "svasim", "models"}},
    {"engine", {"core", "svasim", "models", "engine"}},
    {"analysis", {"core", "svasim", "analysis"}},
    {"sweep", {"core", "svasim", "sweep"}},
    {"app", {"core", "svasim", "models", "engine", "analysis", "sweep", "app"}},
};

struct Violation {
  std::string file, include;
};

std::vector<Violation> violations(const fs::path& root) {
  std::vector<Violation> out;
  const std::regex include_re(R"re(^\s*#\s*include\s*[<"]([^">]+)[">])re");
  for (const auto& [layer, allowed] : kMayInclude) {
    for (const auto& entry : fs::recursive_directory_iterator(root / layer)) {
      const auto ext = entry.path().extension().string();
      static const std::set<std::string> kSources = {".cpp", ".hpp", ".h", ".cc", ".ipp", ".tpp", ".in"};
      if (!entry.is_regular_file() || !kSources.count(ext)) continue;
      std::ifstream in(entry.path());
      std::string line;
      const std::string rel = fs::relative(entry.path(), root).string();
      while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, include_re)) continue;
        const std::string inc = m[1];
        if (inc.rfind("simgrid", 0) == 0 || inc.rfind("xbt", 0) == 0 || inc.rfind("smpi", 0) == 0) {
          if (layer != "engine") out.push_back({rel, inc});
          continue;
        }
        // A relative include could reach any layer: project headers are named from the source root.
        if (inc.rfind(".", 0) == 0) {
          out.push_back({rel, inc});
          continue;
        }
        const auto slash = inc.find('/');
        if (slash == std::string::npos) continue;  // a system header
        const std::string top = inc.substr(0, slash);
        if (!kMayInclude.count(top) && top != "svasim") continue;  // <nlohmann/json.hpp>, <boost/...>, <catch2/...>
        if (!allowed.count(top)) out.push_back({rel, inc});
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("layers: no folder includes from a layer above it, and only engine/ sees SimGrid", "[layers]") {
  const auto v = violations(SVASIM_SOURCE_DIR);
  for (const auto& x : v) UNSCOPED_INFO(x.file << " includes " << x.include);
  CHECK(v.empty());
}

TEST_CASE("layers: the check sees a violation when there is one", "[layers]") {
  // A throwaway tree where models/ includes engine/ and analysis/ includes SimGrid.
  const fs::path root = fs::temp_directory_path() / ("svasim-layers-" + std::to_string(::getpid()));
  for (const auto& [layer, allowed] : kMayInclude) fs::create_directories(root / layer);
  std::ofstream(root / "models" / "bad.cpp") << "#include \"engine/world.hpp\"\n#include \"core/params.hpp\"\n";
  std::ofstream(root / "analysis" / "bad.hpp") << "#include <simgrid/s4u.hpp>\n";
  std::ofstream(root / "core" / "bad.h") << "#include \"../engine/world.hpp\"\n#include <smpi/smpi.h>\n";
  std::ofstream(root / "engine" / "good.cpp") << "#include <simgrid/s4u.hpp>\n#include \"models/flush/plan.hpp\"\n";
  const auto v = violations(root);
  fs::remove_all(root);
  std::set<std::string> includes;
  for (const auto& x : v) includes.insert(x.include);
  CHECK(v.size() == 4);
  CHECK(includes == std::set<std::string>{"engine/world.hpp", "simgrid/s4u.hpp", "../engine/world.hpp", "smpi/smpi.h"});
}
