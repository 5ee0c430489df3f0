#include "analysis/run_diff.hpp"

#include "core/csv.hpp"

namespace svasim {

namespace {

// Shortest text that reads back as the same double: two values differ in text exactly when they differ.
std::string num(double v) { return number_text(v); }

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : " ") + x;
  return out;
}

}  // namespace

RunDifferences run_differences(const RunResults& a, const RunResults& b) {
  RunDifferences d;
  auto differ = [](std::vector<std::string>& into, const std::string& what, const std::string& x, const std::string& y) {
    if (x != y) into.push_back(what + " " + (x.empty() ? "(none)" : x) + " vs " + (y.empty() ? "(none)" : y));
  };
  const RunScenario &sa = a.scenario, &sb = b.scenario;
  differ(d.experiment, "seed", std::to_string(a.provenance.seed), std::to_string(b.provenance.seed));
  differ(d.experiment, "duration_us", num(sa.duration_ns / 1e3), num(sb.duration_ns / 1e3));
  differ(d.experiment, "warmup_us", num(sa.warmup_ns / 1e3), num(sb.warmup_ns / 1e3));
  differ(d.experiment, "IOMMUs", std::to_string(sa.iommus), std::to_string(sb.iommus));
  differ(d.experiment, "devices", std::to_string(sa.devices), std::to_string(sb.devices));
  // What the fields above do not name (the processes, the workload, the topology's shape) the hash does.
  if (a.provenance.workload_hash != b.provenance.workload_hash && d.experiment.empty())
    d.experiment.push_back("workload or topology (" + a.provenance.workload_hash + " vs " + b.provenance.workload_hash + ")");

  std::vector<std::string> label_a, label_b;
  auto treat = [&](const std::string& what, const std::string& x, const std::string& y, bool named = false) {
    if (x == y) return;
    differ(d.treatment, what, x, y);
    label_a.push_back(named ? x : what + "=" + x);
    label_b.push_back(named ? y : what + "=" + y);
  };
  treat("profile", sa.profile, sb.profile, true);
  if (sa.profile == sb.profile) {
    treat("domain_model", sa.domain_model, sb.domain_model);
    treat("flush_model", sa.flush_model, sb.flush_model);
    treat("queue_model", sa.queue_model, sb.queue_model);
    treat("arch_model", sa.arch_model, sb.arch_model);
  }
  treat("environment", sa.environment, sb.environment, true);
  treat("platform", sa.platform, sb.platform);
  // Parameters: those a profile sets differ with the profile and are listed, but do not label the
  // columns when the profile already does.
  const bool profile_labels = sa.profile != sb.profile;
  for (const auto& [k, va] : a.params) {
    const auto it = b.params.find(k);
    const std::string x = num(va), y = it == b.params.end() ? "" : num(it->second);
    if (x == y) continue;
    differ(d.treatment, k, x, y);
    if (!profile_labels && label_a.size() < 3) {
      label_a.push_back(k + "=" + x);
      label_b.push_back(k + "=" + y);
    }
  }
  for (const auto& [k, vb] : b.params)
    if (!a.params.count(k)) differ(d.treatment, k, "", num(vb));
  std::string ga, gb;
  for (const auto& s : a.provenance.simgrid_args) ga += (ga.empty() ? "" : " ") + s;
  for (const auto& s : b.provenance.simgrid_args) gb += (gb.empty() ? "" : " ") + s;
  treat("SimGrid flags", ga, gb);
  d.builds_differ = a.provenance.svasim_version != b.provenance.svasim_version || a.provenance.commit != b.provenance.commit;
  if (d.builds_differ && label_a.empty()) {
    label_a.push_back(a.provenance.commit);
    label_b.push_back(b.provenance.commit);
  }
  d.label_a = label_a.empty() ? a.label() : joined(label_a);
  d.label_b = label_b.empty() ? b.label() : joined(label_b);
  return d;
}

}  // namespace svasim
