// svasim command line. SimGrid's own --cfg=... and --log=... flags are taken out before parsing and
// handed to the simulation engine untouched.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <charconv>
#include <iostream>
#include <thread>

#include "sweep/child_process.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/suggest.hpp"
#include "svasim/version.hpp"

using namespace svasim;

namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 done; 1 a run or some sweep points failed (the others are kept); 2 bad input (a message names\n"
    "the file and JSON path, and nothing is written).";

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o, bool several_profiles) {
  cmd->add_option("scenario", o.file, "Scenario JSON file (see scenarios/ and the README)")->required();
  cmd->add_option("--set", o.set,
                  "Override a scenario value before validation: PATH=VALUE, PATH dotted or a JSON Pointer, VALUE "
                  "JSON or a bare string (e.g. --set topology.generate.devices_per_iommu=8 --set "
                  "params.device.ats_inv_ns=5000). Repeatable.")
      ->take_all();
  // Checked as text: CLI11 would clamp 2^64 to the largest seed instead of refusing it.
  const CLI::Validator seed_range(
      [](const std::string& text) {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        return ec == std::errc() && end == text.data() + text.size() ? std::string()
                                                                    : "expects an integer in [0, 18446744073709551615]";
      },
      "SEED");
  cmd->add_option("--seed", o.seed, "Seed of every random stream (overrides the scenario's)")->check(seed_range);
  auto* p = cmd->add_option("--profile", o.profiles,
                            several_profiles ? "Kernel behaviour to simulate (svasim list); several, comma-separated or "
                                               "repeated, run one after another and are compared"
                                             : "Kernel behaviour to check the scenario under (svasim list); several, "
                                               "comma-separated or repeated, are each checked");
  p->delimiter(',');
}

}  // namespace

int main(int argc, char** argv) {
  if (!die_with_parent()) return kExitFailure;
  std::vector<std::string> simgrid_args;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0 && (a.rfind("--cfg=", 0) == 0 || a.rfind("--log=", 0) == 0))
      simgrid_args.push_back(a);
    else
      args.push_back(argv[i]);
  }

  CLI::App app{"svasim: a discrete-event simulator of IOMMU invalidation under Shared Virtual Addressing.\n"
               "SimGrid flags (--cfg=NAME:VALUE, --log=CATEGORY.thres:LEVEL) pass through to the engine of run,\n"
               "validate and sweep (each point's run).",
               "svasim"};  // named, so usage lines and the man page say svasim, not the path it was run by
  app.footer("Examples:\n"
             "  svasim run scenarios/seed-4dev-1iommu.json --profile linux-6.9-vtd,linux-6.12-vtd -o out/seed\n"
             "  svasim sweep scenarios/sweeps/vm-vcpus.json -o out/vm-vcpus && svasim report out/vm-vcpus --html out/vm.html\n"
             "  svasim COMMAND --help\n" +
             std::string(kExitCodes));
  app.set_version_flag("--version", std::string("svasim ") + kVersion + " (" + kCommit + ")");
  app.require_subcommand(1);

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Simulate a scenario; print the latency table; write results JSON");
  add_scenario_options(run_cmd, run.scenario, true);
  run_cmd->add_option("-o,--output", run.output,
                      "Results JSON file; with several profiles, a directory receiving PROFILE.json for each");
  run_cmd->add_flag("-q,--quiet", run.quiet, "Print no table");
  run_cmd->add_flag("--check", run.check,
                    "Check the end-of-run invariants (every descriptor processed once, every wait completed, ITags "
                    "and ring slots returned, no flush after a domain's free, no stale translation); a broken one "
                    "fails the run (exit 1) naming it. Always on in debug builds");
  run_cmd->add_option("--trace", run.trace.file,
                      "Write what the queues did to this file: every submission with its descriptors, CPU, IOMMU, "
                      "times and the unmap/bind it belongs to (one profile)");
  run_cmd->add_option("--trace-format", run.trace.format,
                      "kernel: one line per descriptor shaped like ftrace's intel_iommu:qi_submit; perfetto: Chrome "
                      "trace-event JSON for ui.perfetto.dev or chrome://tracing")
      ->check(CLI::IsMember({"kernel", "perfetto"}))
      ->capture_default_str();
  run_cmd->add_option("--trace-limit", run.trace.limit, "Events kept at most (later ones are counted, not written)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}))
      ->capture_default_str();
  std::string trace_window;
  run_cmd->add_option("--trace-window", trace_window, "Only events starting in FROM_US,TO_US of simulated time")
      ->check([](const std::string& v) {
        double a = 0, b = 0;
        char extra = 0;
        return std::sscanf(v.c_str(), "%lf,%lf%c", &a, &b, &extra) == 2 && a >= 0 && b > a
                   ? std::string()
                   : "expects FROM_US,TO_US with 0 <= FROM_US < TO_US, e.g. 100,200; got '" + v + "'";
      });
  run_cmd->footer("Examples:\n"
                  "  svasim run scenarios/seed-4dev-1iommu.json\n"
                  "  svasim run scenarios/seed-4dev-1iommu.json --profile linux-6.9-vtd,linux-6.12-vtd -o out/seed\n"
                  "  svasim run scenarios/vm-vcpus.json --set workload.unmaps.0.threads=16 -o vm16.json\n"
                  "  svasim run scenarios/seed-4dev-1iommu.json --log=svasim_unmap.thres:verbose\n"
                  "Exit codes: 0 done, 1 the run failed (an invariant, a stuck run), 2 bad input (nothing is written).");

  ScenarioOptions validate;
  auto* validate_cmd = app.add_subcommand("validate", "Check a scenario (schema, names, topology rules) without running it");
  add_scenario_options(validate_cmd, validate, false);
  validate_cmd->footer("Example: svasim validate scenarios/multi-iommu-2x8.json --profile linux-6.11-smmuv3\n"
                       "Exit codes: 0 valid, 2 invalid (the message names the file and JSON path).");

  PlanOptions plan;
  auto* plan_cmd = app.add_subcommand("plan", "Print the queue work of one unmap, and of the binds, unbinds and exit around "
                                              "it, descriptor by descriptor under each profile, without simulating");
  add_scenario_options(plan_cmd, plan.scenario, true);
  plan_cmd->get_option("--profile")->description("Kernel behaviours to plan under (svasim list), comma-separated or repeated; "
                                                 "default: every profile");
  plan_cmd->get_option("--seed")->description("Accepted for symmetry with run; a plan draws nothing at random");
  plan_cmd->add_option("--range", plan.range,
                       "The unmap: START,PAGES (a page index of the process memory, decimal or 0x-hex, and a count) "
                       "or all (the whole address space)")
      ->capture_default_str();
  plan_cmd->add_option("--kind", plan.kind, "How the pages go: munmap, madvise-dontneed or reclaim")->capture_default_str();
  plan_cmd->add_option("--process", plan.process, "The process that unmaps (default: the scenario's first)");
  plan_cmd->footer("The process's devices bound at time 0 are bound in order, the range is unmapped, and they are\n"
                   "unbound in bind order; the exit section is the process exiting instead (mm release).\n"
                   "Without --profile every profile is shown, then a table side by side.\n"
                   "Example: svasim plan scenarios/seed-4dev-1iommu.json --range 0,513\n"
                   "Exit codes: 0 done, 2 bad input.");

  ListOptions list;
  auto* list_cmd = app.add_subcommand("list", "List profiles, models and parameters with defaults and sources");
  auto* markdown_opt = list_cmd->add_flag("--markdown", list.markdown, "Print as Markdown (docs/PARAMETERS.md is this output)");
  auto* schema_opt = list_cmd->add_option("--schema", list.schema,
                         "Print the JSON Schema an editor uses, with every model name and parameter "
                         "(scenarios/scenario.schema.json, scenarios/sweep.schema.json)")
                         ->check(CLI::IsMember({"scenario", "sweep"}));
  list_cmd->add_option("--names", list.names,
                       "Print the names on one axis (profile, environment, platform, domain, flush, queue, arch, "
                       "pattern) or every parameter (param), one per line")
      ->excludes(markdown_opt)
      ->excludes(schema_opt);
  markdown_opt->excludes(schema_opt);
  list_cmd->footer("Examples:\n"
                   "  svasim list | less\n"
                   "  svasim list --schema scenario > scenario.schema.json\n"
                   "  for p in $(svasim list --names profile); do svasim run scenarios/seed-4dev-1iommu.json --profile $p; done\n"
                   "Exit codes: 0 done, 2 bad input (an unknown axis).");

  SweepOptions sweep;
  sweep.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* sweep_cmd = app.add_subcommand("sweep", "Run a grid of scenario variants, each point its own process, into a directory");
  sweep_cmd->add_option("spec", sweep.spec, "Sweep spec JSON: base scenario, axes, replications, time_limit_s (see scenarios/sweeps/)")->required();
  sweep_cmd->add_option("-o,--output", sweep.output, "Directory for points/, logs/, sweep.json (the manifest), results.csv, results.jsonl and summary.json")->required();
  auto* jobs_opt = sweep_cmd->add_option("-j,--jobs", sweep.jobs,
                                         "Points run at once: on this machine (default: its cores), or per rank with "
                                         "--backend mpi (default 1)")->check(CLI::Range(1, 1024));
  sweep_cmd->add_flag("--resume", sweep.resume, "Continue a sweep in -o: points whose stored results match (commit, scenario hash, seed) are kept");
  sweep_cmd->add_option("--backend", sweep.backend,
                        "local: child processes on this machine; mpi: under mpirun/srun, points spread over the ranks "
                        "as they free up, results gathered by rank 0 into -o")
      ->check(CLI::IsMember({"local", "mpi"}));
  std::string shard_text;
  sweep_cmd->add_option("--shard", shard_text,
                        "Run only share I of N (0 <= I < N, point k belongs to share k mod N), e.g. one Slurm array "
                        "task each; join the directories with svasim merge")
      ->check([](const std::string& v) {
        return parse_shard(v) ? std::string() : "expected I/N with 0 <= I < N, e.g. 0/4; got '" + v + "'";
      });
  sweep_cmd->add_option("--rank-timeout", sweep.rank_timeout_s,
                        "mpi: seconds a rank may stay silent while running points before it counts as lost and its "
                        "points go to other ranks (needs mpirun --enable-recovery to outlive the rank)")
      ->check(CLI::Range(0.5, 86400.0));
  sweep_cmd->footer("Exit codes: 0 every point done, 1 some point failed or timed out (the others are kept), 2 bad input.\n"
                    "MPI: mpirun -n R svasim sweep SPEC --backend mpi -o DIR. Without MPI: --shard I/N per job, then svasim merge.\n"
                    "Example: svasim sweep scenarios/sweeps/vm-vcpus.json -o out/vm-vcpus -j 2");

  std::vector<std::string> merge_dirs;
  std::string merge_out;
  auto* merge_cmd = app.add_subcommand("merge", "Join the directories of a sharded sweep (--shard I/N) into one sweep directory");
  merge_cmd->add_option("dirs", merge_dirs, "Shard directories (svasim sweep --shard I/N -o DIR)")->required();
  merge_cmd->add_option("-o,--output", merge_out, "New directory for the merged sweep (points/, logs/, sweep.json, results.csv, results.jsonl, summary.json)")->required();
  merge_cmd->footer("Example: svasim merge out/shard0 out/shard1 -o out/all\n"
                    "Exit codes: 0 every point present, 1 some point failed or is missing (listed; svasim sweep --resume runs them), 2 bad input.");

  std::string report_dir, report_out, report_html, report_svg_dir;
  auto* report_cmd = app.add_subcommand("report", "Markdown tables of a sweep (means with 95 % CIs over replications, ratios between "
                                                  "profiles) or of single runs; HTML with plots");
  report_cmd->add_option("dir", report_dir,
                         "A sweep directory (or its results.jsonl), a results file (svasim run -o FILE), or a directory of "
                         "them (svasim run --profile A,B -o DIR)")
      ->required();
  report_cmd->add_option("-o,--output", report_out, "Write the report to this file instead of stdout");
  report_cmd->add_option("--html", report_html, "Also write a self-contained HTML report with gnuplot SVG plots");
  report_cmd->add_option("--svg-dir", report_svg_dir, "Also write each plot as DIR/NAME.svg (an existing directory), for a README or a cover letter");
  report_cmd->footer("Examples:\n"
                     "  svasim report out/vm-vcpus -o out/vm-vcpus/report.md --html out/vm-vcpus/report.html\n"
                     "  svasim report out/seed --html out/seed.html   (after svasim run ... --profile A,B -o out/seed)\n"
                     "Exit codes: 0 done, 2 bad input (a directory or file that is not a sweep's or a run's results).");

  std::vector<std::string> compare_files;
  auto* compare_cmd = app.add_subcommand("compare", "Two results files side by side, B relative to A");
  compare_cmd->add_option("files", compare_files, "A.json B.json (svasim run -o)")->required()->expected(2);
  bool compare_force = false;
  compare_cmd->add_flag("--force", compare_force,
                        "Compare runs of different experiments (seed, workload, topology, duration) instead of refusing");
  compare_cmd->footer("Example: svasim compare out/seed/linux-6.9-vtd.json out/seed/linux-6.12-vtd.json\n"
                      "Exit codes: 0 done, 2 bad input (unreadable results, or different experiments without --force).");

  std::string phase = "all";
  std::uint64_t unmaps = 10000, sleeps = 0, comms = 0;
  int devices = 4;
  auto* bench_cmd = app.add_subcommand("bench", "Measure simulation speed against a raw SimGrid loop, and memory");
  bench_cmd->add_option("--unmaps", unmaps, "Unmaps to simulate (the memory check runs 10x as many)")->check(CLI::Range(1, 100000000));
  bench_cmd->add_option("--devices", devices, "ATS devices behind the IOMMU")->check(CLI::Range(1, 1024));
  bench_cmd->add_option("--phase", phase, "One measurement only (svasim|raw|dma|dma-cold|dma64); the default runs all")
      ->check(CLI::IsMember({"all", "svasim", "raw", "dma", "dma-cold", "dma64"}));
  bench_cmd->add_option("--sleeps", sleeps, "Internal: sleeps of the raw phase");
  bench_cmd->add_option("--comms", comms, "Internal: transfers of the raw phase");
  bench_cmd->footer("Example: svasim bench --phase svasim --unmaps 20000\nExit codes: 0 done, 1 a phase failed, 2 bad input.");

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    // Without a subcommand CLI11 only says one is required; name what the user actually typed.
    if (app.get_subcommands().empty() && args.size() > 1 && dynamic_cast<const CLI::RequiredError*>(&e)) {
      const std::string first = args[1];
      std::vector<std::string> commands;
      for (const CLI::App* c : app.get_subcommands(nullptr)) commands.push_back(c->get_name());
      std::cerr << "svasim: error: " << (first.rfind('-', 0) == 0 ? "unknown option " : "unknown command ") << first
                << did_you_mean(first, commands)
                << " (commands: run, validate, plan, list, bench, sweep, merge, report, compare; svasim --help)\n";
      return kExitBadInput;
    }
    // An option the command does not have: suggest the closest one it has.
    if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e)) {
      (void)extras;
      for (CLI::App* c : app.get_subcommands()) {
        std::vector<std::string> names;
        for (const CLI::Option* opt : c->get_options())
          for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
        for (const auto& r : c->remaining()) {
          const std::string typed = r.substr(0, r.find('='));
          if (typed.rfind("--", 0) != 0) continue;
          std::cerr << "svasim: error: " << c->get_name() << ": unknown option " << typed << did_you_mean(typed, names)
                    << " (svasim " << c->get_name() << " --help)\n";
          return kExitBadInput;
        }
      }
    }
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "svasim: error: " << e.what() << " (svasim --help)\n";
    return kExitBadInput;
  }

  // SimGrid's flags mean something only to a command that starts an engine.
  if (!simgrid_args.empty() && !run_cmd->parsed() && !validate_cmd->parsed() && !sweep_cmd->parsed()) {
    std::cerr << "svasim: error: " << simgrid_args.front() << ": SimGrid flags apply to run, validate and sweep; "
              << app.get_subcommands().front()->get_name() << " starts no simulation engine\n";
    return kExitBadInput;
  }
  sweep.simgrid_args = simgrid_args;

  try {
    if (run_cmd->parsed()) {
      if (!trace_window.empty()) {
        std::sscanf(trace_window.c_str(), "%lf,%lf", &run.trace.from_ns, &run.trace.to_ns);
        run.trace.from_ns *= 1e3;
        run.trace.to_ns *= 1e3;
      }
      return cmd_run(run, simgrid_args);
    }
    if (validate_cmd->parsed()) return cmd_validate(validate, simgrid_args);
    if (list_cmd->parsed()) return cmd_list(list);
    if (plan_cmd->parsed()) return cmd_plan(plan);
    if (bench_cmd->parsed()) return cmd_bench(phase, unmaps, devices, sleeps, comms);
    if (sweep_cmd->parsed()) {
      sweep.jobs_given = jobs_opt->count() > 0;
      if (!shard_text.empty()) sweep.shard = *parse_shard(shard_text);
      return cmd_sweep(sweep);
    }
    if (merge_cmd->parsed()) return cmd_merge(merge_dirs, merge_out);
    if (report_cmd->parsed()) return cmd_report(report_dir, report_out, report_html, report_svg_dir);
    if (compare_cmd->parsed()) return cmd_compare(compare_files, compare_force);
  } catch (const InputError& e) {
    std::cerr << "svasim: error: " << (e.path().empty() ? "" : e.path() + ": ") << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "svasim: failed: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitFailure;
}
