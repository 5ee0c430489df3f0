#include "models/explore/plan_explorer.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/error.hpp"
#include "models/domain/domain_table.hpp"
#include "models/environment/environment.hpp"
#include "models/flush/attachment.hpp"
#include "models/flush/describe.hpp"
#include "models/flush/planner.hpp"
#include "models/mm/arch_tlb_flush.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace {

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string range_text(const UnmapRange& r) {
  if (r.is_full()) return "[0, ~0) (everything)";
  return "[" + hex(r.start) + ", " + hex(r.end) + ") " + std::to_string(r.pages()) + " page" + (r.pages() == 1 ? "" : "s");
}

// The devices `process` binds, as the run starts with them, else as its bind events name them.
std::vector<int> devices_to_bind(const Process& p) {
  std::vector<int> at_start, named;
  for (const BindEvent& b : p.binds) {
    if (b.at_ns <= 0 && std::find(at_start.begin(), at_start.end(), b.device) == at_start.end()) at_start.push_back(b.device);
    if (std::find(named.begin(), named.end(), b.device) == named.end()) named.push_back(b.device);
  }
  return at_start.empty() ? named : at_start;
}

}  // namespace

ExploredPlan explore_plan(const Scenario& s, int process, const UnmapRange& range, UnmapKind kind) {
  const Process& proc = s.processes.at(static_cast<std::size_t>(process));
  const std::vector<int> devices = devices_to_bind(proc);
  if (devices.empty())
    throw InputError("/processes/" + std::to_string(process), "process \"" + proc.name + "\" binds no device");
  const auto sharing = make_domain_sharing(s.domain_model);
  const auto arch = make_arch_tlb_flush(s.arch_model, s.params);
  const auto planner = make_flush_planner(s.flush_model, s.params);
  const auto queue = QueueDiscipline::factory().make(s.queue_model, s.params);
  const auto env = Environment::factory().make(s.environment, s.params);
  const bool caching_mode = env->is_guest();  // as the bind thread decides it (engine/bind_thread.cpp)

  ExploredPlan out;
  out.profile = s.profile;
  out.models = "domain " + s.domain_model + ", flush " + s.flush_model + ", queue " + s.queue_model + ", arch " +
               s.arch_model + ", " + s.environment;
  out.submit_call = queue->submit_call();
  out.range = range;
  out.kind = kind;
  const auto name = [&](int d) { return s.topology.node(s.topology.devices()[static_cast<std::size_t>(d)]).name; };

  DomainTable table(*sharing);
  for (int d : devices) {
    const Attachment a = attachment_of(s.topology, d);
    const AttachResult r = table.attach(a);
    PlanStep step{"bind " + name(d) + ": domain " + std::to_string(r.domain) +
                      (r.allocated ? " allocated" : " joined") + (r.new_handle ? "" : ", handle reused"),
                  {}};
    queue->plan_bind(a, r, caching_mode, step.plan);
    out.binds.push_back(std::move(step));
  }

  arch->notifier_ranges(range, kind, proc.memory.page_shift, out.notifier_calls);
  std::vector<SvaDomain> domains = table.live();  // as the unmap thread walks them (engine/unmap_thread.cpp)
  if (planner->walks_newest_first()) std::reverse(domains.begin(), domains.end());
  for (const UnmapRange& call : out.notifier_calls)
    for (const SvaDomain& dom : domains) {
      PlanStep step{"notifier " + range_text(call) + " on domain " + std::to_string(dom.id), {}};
      planner->plan(dom, call, step.plan);
      out.unmap.push_back(std::move(step));
    }

  for (const SvaDomain& dom : table.live()) {  // as engine/bind_thread.cpp release_mm() walks them
    PlanStep step{"mm release of domain " + std::to_string(dom.id), {}};
    queue->plan_release(dom, caching_mode, step.plan);
    out.exit.push_back(std::move(step));
  }

  for (int d : devices) {
    const Attachment a = attachment_of(s.topology, d);
    const DetachResult r = table.detach(d);
    PlanStep step{"unbind " + name(d) + ": domain " + std::to_string(r.domain) +
                      (r.freed ? " freed" : r.last_user ? " detached" : ", a user of the handle remains"),
                  {}};
    queue->plan_unbind(a, r, caching_mode, step.plan);
    out.unbinds.push_back(std::move(step));
  }
  return out;
}

PlanTotals totals(const std::vector<PlanStep>& steps) {
  PlanTotals t;
  for (const PlanStep& s : steps) {
    t.submissions += s.plan.submissions.size();
    for (const Submission& sub : s.plan.submissions)
      for (const Descriptor& d : sub.descs) t.descriptors += is_invalidation(d.kind) ? 1 : 0;
    t.iotlb += s.plan.iotlb_count();
    t.devtlb += s.plan.devtlb_count();
    t.waits += s.plan.wait_count();
  }
  return t;
}

std::string format_plan(const ExploredPlan& p, const Topology& topo) {
  std::vector<std::string> devices, iommus;
  for (NodeId n : topo.devices()) devices.push_back(topo.node(n).name);
  for (NodeId n : topo.iommus()) iommus.push_back(topo.node(n).name);
  std::ostringstream o;
  o << "== " << (p.profile.empty() ? std::string("(no profile)") : p.profile) << ": " << p.models << "\n";
  const auto section = [&](const char* title, const std::vector<PlanStep>& steps) {
    const PlanTotals t = totals(steps);
    o << title << ": " << t.submissions << " " << p.submit_call << ", " << t.descriptors << " descriptor"
      << (t.descriptors == 1 ? "" : "s") << " (" << t.iotlb << " IOTLB, " << t.devtlb << " device TLB), " << t.waits
      << " wait" << (t.waits == 1 ? "" : "s") << "\n";
    // Reclaim makes a step per page: the first ones show the shape, the totals above count them all.
    constexpr std::size_t kShown = 32;
    for (std::size_t k = 0; k < steps.size(); ++k) {
      if (k == kShown) {
        o << "  ... " << steps.size() - kShown << " more steps like these (counted in the totals)\n";
        break;
      }
      const PlanStep& s = steps[k];
      o << "  " << s.what << (s.plan.submissions.empty() ? ": no queue work" : "") << "\n";
      for (std::size_t i = 0; i < s.plan.submissions.size(); ++i) {
        const Submission& sub = s.plan.submissions[i];
        o << "    " << p.submit_call << " #" << (i + 1) << " on "
          << (static_cast<std::size_t>(sub.iommu) < iommus.size() ? iommus[static_cast<std::size_t>(sub.iommu)] : "?")
          << (sub.under_devices_lock ? " (devices_lock held)" : "") << ":\n";
        for (const Descriptor& d : sub.descs) o << "      " << describe(d, devices) << "\n";
        if (sub.wait && !sub.descs.empty()) o << "      " << wait_name(sub.descs.front().kind) << "\n";
        if (!sub.wait) o << "      (no wait: the next submission's covers it)\n";
      }
    }
  };
  section("bind", p.binds);
  o << "unmap " << range_text(p.range) << " by " << unmap_kind_name(p.kind) << ": " << p.notifier_calls.size()
    << " notifier call" << (p.notifier_calls.size() == 1 ? "" : "s");
  if (p.notifier_calls.size() == 1) o << " " << range_text(p.notifier_calls.front());
  o << "\n";
  section("flush", p.unmap);
  section("unbind", p.unbinds);
  section("exit, instead of the unbinds", p.exit);
  return o.str();
}

}  // namespace svasim
