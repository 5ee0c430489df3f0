// svasim plan: the planned queue work of one unmap (and of the binds, unbinds and exit around it) under
// each profile, descriptor by descriptor, without simulating (models/explore/plan_explorer.hpp).
#include <charconv>
#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "models/explore/plan_explorer.hpp"

namespace svasim {

namespace {

constexpr std::uint64_t kMaxReclaimPages = 65536;

// "START,PAGES" (START a page index, decimal or 0x-hex) or "all".
UnmapRange parse_range(const std::string& text, const Process& proc) {
  if (text == "all") return {0, UINT64_MAX};
  const auto comma = text.find(',');
  const auto number = [&](std::string_view v, std::uint64_t& out) {
    int base = 10;
    if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) v.remove_prefix(2), base = 16;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out, base);
    return !v.empty() && ec == std::errc() && end == v.data() + v.size();
  };
  std::uint64_t start = 0, pages = 0;
  if (comma == std::string::npos || !number(std::string_view(text).substr(0, comma), start) ||
      !number(std::string_view(text).substr(comma + 1), pages) || pages == 0)
    throw InputError("--range", "expects START,PAGES (a page index and a page count >= 1) or all; got '" + text + "'");
  if (start >= proc.memory.pages || pages > proc.memory.pages - start)
    throw InputError("--range", "pages [" + std::to_string(start) + ", " + std::to_string(start) + " + " +
                                    std::to_string(pages) + ") lie beyond process \"" + proc.name + "\"'s " +
                                    std::to_string(proc.memory.pages) + " pages");
  return {start << kPageShift, (start + pages) << kPageShift};
}

int process_index(const Scenario& s, const std::string& name) {
  if (name.empty()) return 0;
  for (std::size_t i = 0; i < s.processes.size(); ++i)
    if (s.processes[i].name == name) return static_cast<int>(i);
  throw InputError("--process", "no process \"" + name + "\" in the scenario");
}

}  // namespace

int cmd_plan(const PlanOptions& o) {
  const UnmapKind* kind = unmap_kind_from_name(o.kind);
  if (!kind) {
    std::cerr << "svasim: error: --kind: unknown unmap kind \"" << o.kind << "\" (munmap, madvise-dontneed, reclaim)\n";
    return kExitBadInput;
  }
  std::vector<std::string> profiles = o.scenario.profiles;
  if (profiles.empty()) profiles = Catalog::instance().name_list("profile");
  std::vector<std::pair<std::string, ExploredPlan>> plans;
  for (const std::string& profile : profiles) {
    auto s = load_or_report(o.scenario, profile);
    if (!s) return kExitBadInput;
    try {
      const int process = process_index(*s, o.process);
      const Process& proc = s->processes[static_cast<std::size_t>(process)];
      const UnmapRange range = parse_range(o.range, proc);
      if (range.is_full() && *kind == UnmapKind::reclaim)
        throw InputError("--kind", "reclaim unmaps pages one by one: give --range START,PAGES, not all");
      // Reclaim plans a notifier call per page: bound the work (what it shows repeats anyway).
      if (*kind == UnmapKind::reclaim && range.pages() > kMaxReclaimPages)
        throw InputError("--range", "reclaim plans one notifier call per page: at most " +
                                        std::to_string(kMaxReclaimPages) + " pages");
      ExploredPlan p = explore_plan(*s, process, range, *kind);
      std::cout << format_plan(p, s->topology) << "\n";
      plans.emplace_back(profile, std::move(p));
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << (e.path().rfind("--", 0) == 0 ? "" : o.scenario.file + ": ") << e.path()
                << ": " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  // Side by side: the profiles' totals per phase.
  std::printf("%-18s %24s %24s %24s %24s\n", "", "bind", "flush", "unbind", "exit");
  const char* cols = "subm/desc/IOTLB/devTLB";
  std::printf("%-18s %24s %24s %24s %24s\n", "profile", cols, cols, cols, cols);
  const auto cell = [](const std::vector<PlanStep>& steps) {
    const PlanTotals t = totals(steps);
    return std::to_string(t.submissions) + "/" + std::to_string(t.descriptors) + "/" + std::to_string(t.iotlb) + "/" +
           std::to_string(t.devtlb);
  };
  for (const auto& [profile, p] : plans)
    std::printf("%-18s %24s %24s %24s %24s\n", profile.c_str(), cell(p.binds).c_str(), cell(p.unmap).c_str(),
                cell(p.unbinds).c_str(), cell(p.exit).c_str());
  return kExitOk;
}

}  // namespace svasim
