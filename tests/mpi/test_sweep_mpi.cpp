// `svasim sweep --backend mpi` under a real mpirun (Open MPI from Debian) on this machine: three ranks
// give the same bytes as the local backend, a rank killed mid-point costs only that point (run again
// elsewhere with --enable-recovery; kept for --resume without it).
#include <catch2/catch.hpp>
#include <signal.h>

#include <cstdlib>
#include <optional>
#include <thread>

#include "../cli/run_svasim.hpp"
#include "../cli/sweep_fixture.hpp"

using namespace svasim::cli_test;

namespace {

// Open MPI refuses root unless told twice (CI runs as root); CMA single-copy needs ptrace rights that
// containers often lack. Both are the environment variables Open MPI documents.
void mpi_environment() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
}

RunResult mpirun(int ranks, std::vector<std::string> svasim_args, const fs::path& capture, bool recovery = false) {
  mpi_environment();
  std::vector<std::string> args{"--oversubscribe", "-n", std::to_string(ranks)};
  if (recovery) args.insert(args.begin(), "--enable-recovery");
  // scripts/test --sanitize gives the ranks their own ASan options (the slow unwinder their leak
  // suppressions need) while the rest of the suite keeps the fast one.
  if (const char* rank_asan = std::getenv("SVASIM_TEST_RANK_ASAN_OPTIONS"))
    args.insert(args.begin(), {"-x", std::string("ASAN_OPTIONS=") + rank_asan});
  args.push_back(SVASIM_BINARY);
  args.insert(args.end(), svasim_args.begin(), svasim_args.end());
  return run_program(SVASIM_MPIEXEC, args, capture, std::chrono::seconds(120));
}

std::string slurp(const fs::path& p) {
  try {
    return read_file(p);
  } catch (const std::exception&) {
    return "";
  }
}

// The pid of MPI rank `rank` of the sweep writing into `out`, once it is running a point.
std::optional<pid_t> busy_rank(int rank, const fs::path& out) {
  std::map<pid_t, pid_t> parent;
  std::optional<pid_t> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    const std::string stat = slurp(e.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    parent[pid] = std::atoi(stat.c_str() + close + 4);  // ") S PPID"
    const std::string cmd = slurp(e.path() / "cmdline");
    const std::string env = slurp(e.path() / "environ");
    if (cmd.find("svasim-mpi") != std::string::npos && cmd.find("\"output\":\"" + out.string() + "\"") != std::string::npos &&
        env.find(std::string("OMPI_COMM_WORLD_RANK=") + std::to_string(rank) + '\0') != std::string::npos)
      found = pid;
  }
  if (!found) return std::nullopt;
  for (const auto& [pid, ppid] : parent)
    if (ppid == *found) return found;
  return std::nullopt;
}


// `svasim sweep SPEC --backend mpi -o OUT EXTRA...` under 3 ranks on another thread; `r` holds how it ended.
std::thread sweep_in_background(std::optional<RunResult>& r, const fs::path& spec, const fs::path& out,
                                std::vector<std::string> extra, bool recovery) {
  std::vector<std::string> args{"sweep", spec.string(), "--backend", "mpi", "-o", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::thread([&r, args, out, recovery] { r = mpirun(3, args, out.parent_path() / "capture", recovery); });
}

// Waits (up to 10 s, scaled) until rank `rank` of the sweep into `out` runs a point.
std::optional<pid_t> wait_for_busy_rank(int rank, const fs::path& out) {
  std::optional<pid_t> pid;
  wait_until([&] { return (pid = busy_rank(rank, out)).has_value(); }, std::chrono::seconds(10));
  return pid;
}

// Four points of a few tenths of a second, and the local backend's directory for them in tmp/local.
struct FourPoints {
  TempDir tmp;
  // A few tenths of a second of wall time per point in any build: sanitized builds run many times slower,
  // so they simulate proportionally less (SVASIM_TEST_TIMEOUT_SCALE).
  fs::path spec = write_sweep(tmp.path(), 400000.0 / timeout_scale());
  fs::path out = tmp / "mpi";
  FourPoints() { REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "local").string(), "-j", "2"}, tmp / "c").exit_code == 0); }

  // Sweeps under 3 ranks with --rank-timeout 1.5, does `hit` to rank 2 once it runs a point; how it ended.
  template <class Hit> RunResult hit_rank2_while_busy(bool recovery, Hit hit) {
    std::optional<RunResult> r;
    std::thread job = sweep_in_background(r, spec, out, {"--rank-timeout", "1.5"}, recovery);
    const std::optional<pid_t> rank2 = wait_for_busy_rank(2, out);
    if (rank2) hit(*rank2);
    job.join();
    REQUIRE(rank2);
    REQUIRE(r);
    return *r;
  }
};

void require_same_tree(const fs::path& a, const fs::path& b) {
  const auto ta = tree_of(a), tb = tree_of(b);
  CHECK(ta.size() == tb.size());
  for (const auto& [name, bytes] : ta) {
    INFO(name);
    REQUIRE(tb.count(name) == 1);
    CHECK(tb.at(name) == bytes);
  }
}

}  // namespace

TEST_CASE("mpi backend on 3 ranks equals the local backend point for point", "[mpi][sweep]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 300, kNoTimeLimit, 3);  // 12 points
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "local").string(), "-j", "2"}, tmp / "c").exit_code == 0);
  const RunResult r = mpirun(3, {"sweep", spec.string(), "--backend", "mpi", "-o", (tmp / "mpi").string()}, tmp / "c");
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("3 MPI ranks x 1 at a time"));
  CHECK_THAT(r.err, Catch::Contains("12 of 12 points done"));
  // Points were handed to the other ranks, not all run by rank 0.
  CHECK_THAT(r.err, Catch::Contains("on rank 1 ("));
  CHECK_THAT(r.err, Catch::Contains("on rank 2 ("));
  require_same_tree(tmp / "local", tmp / "mpi");
  const RunResult report_local = run_svasim({"report", (tmp / "local").string()}, tmp / "c1");
  const RunResult report_mpi = run_svasim({"report", (tmp / "mpi").string()}, tmp / "c2");
  REQUIRE(report_mpi.exit_code == 0);
  // The same report but for its title, which names the directory.
  auto body = [](const std::string& text) { return text.substr(text.find('\n')); };
  CHECK(body(report_mpi.out) == body(report_local.out));

  // Resume under MPI: nothing runs again.
  const RunResult again = mpirun(2, {"sweep", spec.string(), "--backend", "mpi", "-o", (tmp / "mpi").string(), "--resume"}, tmp / "c");
  INFO(again.describe());
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.err, Catch::Contains("(12 already done)"));
}

TEST_CASE("mpi backend outlives a killed rank and runs its point again elsewhere", "[mpi][sweep]") {
  FourPoints f;
  const RunResult r = f.hit_rank2_while_busy(true, [](pid_t rank2) { kill(rank2, SIGKILL); });
  INFO(r.describe());
  // mpirun --enable-recovery exits 0 whatever happened: the outcome is in summary.json.
  const auto summary = nlohmann::json::parse(read_file(f.out / "summary.json"));
  CHECK(summary["exit_code"] == 0);
  CHECK(summary["ok"] == 4);
  CHECK_THAT(r.err, Catch::Contains("rank 2 (") && Catch::Contains("counted as lost") && Catch::Contains("back in the queue"));
  CHECK_THAT(r.err, Catch::Contains("4 of 4 points done"));
  require_same_tree(f.tmp / "local", f.out);
}

TEST_CASE("a rank stopped past the timeout and resumed neither hangs the job nor loses a point", "[mpi][sweep]") {
  FourPoints f;
  const RunResult r = f.hit_rank2_while_busy(false, [](pid_t rank2) {
    // Lost after 1.5 s; its point then starts again elsewhere, so the sweep cannot end before 1.5 s plus a
    // point, and rank 0 waits another 1.5 s for lost ranks at the end: back at 2.2 s, it is always in time.
    kill(rank2, SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    kill(rank2, SIGCONT);
  });
  INFO(r.describe());
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("counted as lost") && Catch::Contains("answered again"));
  CHECK_THAT(r.err, Catch::Contains("4 of 4 points done"));
  require_same_tree(f.tmp / "local", f.out);
}

TEST_CASE("an mpi job aborted by a dead rank keeps its finished points for resume", "[mpi][sweep]") {
  TempDir tmp;
  const fs::path spec = write_sweep(tmp.path(), 400000.0 / timeout_scale(), kNoTimeLimit, 2);  // 8 points
  REQUIRE(run_svasim({"sweep", spec.string(), "-o", (tmp / "local").string(), "-j", "2"}, tmp / "c").exit_code == 0);
  const fs::path out = tmp / "mpi";
  std::optional<RunResult> r;
  std::thread job = sweep_in_background(r, spec, out, {}, false);
  // Wait until some points are stored, then kill a busy rank: without --enable-recovery mpirun ends the job.
  std::optional<pid_t> victim;
  for (int i = 0; i < scaled_timeout(std::chrono::seconds(20)) / std::chrono::milliseconds(10) && !victim; ++i) {
    std::error_code ec;
    if (fs::exists(out / "points" / "p00000.json", ec)) victim = busy_rank(1, out);
    if (!victim) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (victim) kill(*victim, SIGKILL);
  job.join();
  REQUIRE(victim);
  REQUIRE(r);
  INFO(r->describe());
  CHECK(r->exit_code != 0);
  std::size_t kept = 0;
  for (const auto& e : fs::directory_iterator(out / "points")) kept += e.path().extension() == ".json" ? 1 : 0;
  CHECK(kept >= 1);
  CHECK(kept < 8);

  const RunResult resumed = mpirun(2, {"sweep", spec.string(), "--backend", "mpi", "-o", out.string(), "--resume"}, tmp / "c2");
  INFO(resumed.describe());
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Catch::Contains("(" + std::to_string(kept) + " already done)"));
  require_same_tree(tmp / "local", out);
}
