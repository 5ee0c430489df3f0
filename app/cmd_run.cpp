#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "analysis/table.hpp"
#include "sweep/child_process.hpp"
#include "app/commands.hpp"
#include "core/footprint.hpp"
#include "core/error.hpp"
#include "core/results.hpp"
#include "engine/simgrid_flags.hpp"
#include "engine/simulation.hpp"
#include "models/queue/queue_discipline.hpp"

namespace svasim {

namespace fs = std::filesystem;

namespace {

int run_one(const Scenario& s, const RunOptions& o, const std::vector<std::string>& simgrid_args) {
  std::unique_ptr<Trace> trace;
  if (!o.trace.file.empty()) trace = std::make_unique<Trace>(o.trace);
  const Stats st = run_simulation(s, simgrid_args, o.check || kCheckInvariantsByDefault, trace.get());
  if (trace) {
    std::vector<std::string> devices;
    for (NodeId n : s.topology.devices()) devices.push_back(s.topology.node(n).name);
    const auto queue = QueueDiscipline::factory().make(s.queue_model, s.params);
    const auto qdep = static_cast<unsigned>(s.params.get_int("device.max_ats_inv_outstanding"));
    write_text_atomically(o.trace.file, trace->render(devices, queue->submit_call(), qdep));
    if (trace->dropped() > 0)
      std::cerr << "svasim: warning: --trace: " << trace->dropped() << " events past --trace-limit " << o.trace.limit
                << " were not written\n";
  }
  RunResults r = results_of(s, st);
  // SimGrid flags change what is simulated: they are part of the provenance and of the hash.
  if (!simgrid_args.empty()) {
    r.provenance.simgrid_args = simgrid_args;
    r.provenance.scenario_hash = scenario_hash_with(s, simgrid_args);
  }
  if (!o.output.empty()) write_json_atomically(o.output, r.to_json());
  if (!o.quiet) std::cout << format_run(r) << std::flush;
  return kExitOk;
}

// Each profile is its own simulation, hence its own process; the parent only collects and compares.
int run_profiles(const RunOptions& o, const std::vector<std::string>& simgrid_args) {
  const bool keep = !o.output.empty();
  const fs::path dir = keep ? fs::path(o.output) : fs::temp_directory_path() / ("svasim-run-" + std::to_string(getpid()));
  fs::create_directories(dir);
  // A SIGTERM or ^C ends the running child; the temporary directory goes before this process dies too.
  const TerminationGuard guard;
  auto die_if_asked = [&] {
    if (!guard.requested()) return;
    std::error_code ec;
    if (!keep) fs::remove_all(dir, ec);
    guard.die();
  };
  std::vector<RunResults> results;
  int status = kExitOk;
  for (const auto& profile : o.scenario.profiles) {
    die_if_asked();
    const fs::path out = dir / (profile + ".json");
    std::vector<std::string> args{"run", o.scenario.file, "--profile", profile, "-o", out.string(), "--quiet"};
    for (auto& a : o.scenario.child_args()) args.push_back(a);
    for (auto& a : simgrid_args) args.push_back(a);
    if (o.check) args.push_back("--check");
    const ChildResult c = run_self(args, false);
    die_if_asked();
    if (c.exit_code != 0) {
      std::cerr << "svasim: the run under profile " << profile << " failed (exit code " << c.exit_code << ")\n";
      status = c.exit_code == kExitBadInput ? kExitBadInput : kExitFailure;
      break;
    }
    try {
      results.push_back(read_results_file(out.string()));
    } catch (const InputError& e) {  // a child of this very build wrote it: a bug, but say where
      std::cerr << "svasim: error: " << e.what() << "\n";
      status = kExitFailure;
      break;
    }
  }
  if (status == kExitOk && !o.quiet) {
    for (const auto& r : results) std::cout << format_run(r) << "\n";
    std::cout << format_comparison(results) << std::flush;
  }
  if (!keep) fs::remove_all(dir);
  return status;
}

}  // namespace

int cmd_run(const RunOptions& o, const std::vector<std::string>& simgrid_args) {
  // Every variant is checked before anything runs: a typo must not cost a finished run or leave files.
  std::vector<Scenario> variants;
  if (o.scenario.profiles.empty()) {
    auto s = load_or_report(o.scenario, std::nullopt);
    if (!s) return kExitBadInput;
    variants.push_back(std::move(*s));
  }
  for (const auto& p : o.scenario.profiles) {
    auto s = load_or_report(o.scenario, p);
    if (!s) return kExitBadInput;
    variants.push_back(std::move(*s));
  }
  for (const auto& v : variants)
    if (const std::string w = footprint_warning(estimate_footprint(v)); !w.empty())
      std::cerr << "svasim: warning: " << v.file << ": " << w << "\n";
  try {
    check_simgrid_flags(simgrid_args);  // before -o is touched: a bad flag leaves nothing behind
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << e.path() << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  if (!o.trace.file.empty()) {
    try {
      if (variants.size() > 1) throw InputError("--trace", "traces one run: give one profile");
      check_output_file(o.trace.file, "--trace");
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << e.path() << ": " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  if (!o.output.empty()) {
    try {
      if (variants.size() == 1)
        check_output_file(o.output);
      else
        check_output_directory(o.output);
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << e.path() << ": " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  if (variants.size() == 1) return run_one(variants.front(), o, simgrid_args);
  return run_profiles(o, simgrid_args);
}

}  // namespace svasim
