// `svasim sweep --backend mpi` under mpirun or srun: svasim-mpi, which svasim execs into, on every rank.
// Rank 0 plans and coordinates (sweep_coordinator), the others run points (sweep_worker). Each point is
// still a child `svasim run` (one SimGrid engine per process); its results are the same bytes as under
// the local backend, and only rank 0 writes into -o, so the nodes need no shared file system for it.
//
// Ending: rank 0 stops every rank, waits for each one's bye (so no message is left in flight), then tells
// all whether to call MPI_Finalize. After a rank was lost it would wait for that rank forever, so then
// every rank leaves with _exit once everything is written (mpirun --enable-recovery accepts that; without
// it Open MPI has already ended the job when the rank died, and --resume reruns only what was running).
#include <unistd.h>

#include <future>
#include <iostream>
#include <optional>

#include "sweep/mpi/mpi_link.hpp"
#include "sweep/mpi/sweep_coordinator.hpp"
#include "sweep/mpi/sweep_worker.hpp"

namespace svasim {

int run_sweep_mpi(const SweepOptions& given) {
  SweepOptions o = given;
  if (!o.jobs_given) o.jobs = 1;  // one rank per core is the usual layout; -j for one rank per node
  // Funneled: rank 0 plans on a second thread, which makes no MPI call.
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  mpi::Outbox out;  // outlives every send it holds, up to MPI_Finalize or the end
  std::optional<mpi::Coordinator> coordinator;  // likewise for the receives in its inbox
  int code = kExitOk;
  bool finalize = true;
  if (rank != 0) {
    const mpi::WorkerEnd end = mpi::run_worker(rank, o, out);
    if (!end.finalize) {
      std::cerr.flush();
      _exit(end.code);
    }
    code = end.code;
  } else {
    coordinator.emplace(o, size, out);
    // Checking every point of a large sweep takes a while; meanwhile the ranks must hear from rank 0, or
    // they could not tell it from a dead one. Planning makes no MPI call, so it can run on another thread.
    auto planning = std::async(provided >= MPI_THREAD_FUNNELED ? std::launch::async : std::launch::deferred,
                               [&] { return prepare_sweep(o); });
    while (planning.wait_for(std::chrono::milliseconds(2)) == std::future_status::timeout) coordinator->keep_alive();
    auto plan = planning.get();
    if (!plan) {
      code = kExitBadInput;
      finalize = coordinator->shut_down();
    } else {
      const auto todo = pending_points(*plan);
      announce_sweep(*plan, std::to_string(size) + " MPI ranks x " + std::to_string(o.jobs) + " at a time");
      SweepProgress progress(todo.size());
      coordinator->run(*plan, todo, progress);
      progress.finish();
      // The ranks are released before the tables are written: that can take a while, and they would
      // take rank 0's silence for its death.
      finalize = coordinator->shut_down();
      code = finish_sweep(*plan, progress);
    }
    if (!finalize) {
      // A rank is still lost: MPI_Finalize would wait for it forever, and under --enable-recovery a
      // stopped rank would keep mpirun alive. Everything is written; end the job.
      std::cerr << "svasim sweep: a rank is still lost: ending the job with MPI_Abort (every finished point is stored; "
                   "summary.json has the outcome)\n";
      std::cerr.flush();
      MPI_Abort(MPI_COMM_WORLD, code);
    }
  }
  MPI_Finalize();
  return code;
}

}  // namespace svasim
