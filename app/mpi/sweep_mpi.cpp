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

#include "app/mpi/mpi_link.hpp"
#include "app/mpi/sweep_coordinator.hpp"
#include "app/mpi/sweep_worker.hpp"

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
  mpi::Outbox out;  // outlives every send it holds, up to MPI_Finalize or _exit
  int code = kExitOk;
  bool finalize = true;
  if (rank != 0) {
    const mpi::WorkerEnd end = mpi::run_worker(rank, o, out);
    finalize = end.finalize;
    code = end.code;
  } else {
    mpi::Coordinator coordinator(o, size, out);
    // Checking every point of a large sweep takes a while; meanwhile the ranks must hear from rank 0, or
    // they could not tell it from a dead one. Planning makes no MPI call, so it can run on another thread.
    auto planning = std::async(provided >= MPI_THREAD_FUNNELED ? std::launch::async : std::launch::deferred,
                               [&] { return prepare_sweep(o); });
    while (planning.wait_for(std::chrono::milliseconds(2)) == std::future_status::timeout) coordinator.keep_alive();
    auto plan = planning.get();
    if (!plan) {
      code = kExitBadInput;
    } else {
      const auto todo = pending_points(*plan);
      announce_sweep(*plan, std::to_string(size) + " MPI ranks x " + std::to_string(o.jobs) + " at a time");
      SweepProgress progress(todo.size());
      coordinator.run(*plan, todo, progress);
      progress.finish();
      code = finish_sweep(*plan, progress);
    }
    finalize = coordinator.shut_down();
  }
  if (!finalize) {
    std::cout.flush();
    std::cerr.flush();
    _exit(code);
  }
  MPI_Finalize();
  return code;
}

}  // namespace svasim
