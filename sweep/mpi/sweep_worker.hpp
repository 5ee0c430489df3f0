#pragma once
// A rank other than 0 of an MPI sweep: runs the points rank 0 assigns, `jobs` at a time, each as a child
// `svasim run` in a private temporary directory, and sends back the results and log bytes.
#include "sweep/options.hpp"
#include "sweep/mpi/mpi_link.hpp"

namespace svasim::mpi {

// Returns whether to call MPI_Finalize (false after a rank was lost, or when rank 0 went silent: the
// finalize would wait for the missing rank forever) and the exit code.
struct WorkerEnd {
  bool finalize = true;
  int code = kExitOk;
};
WorkerEnd run_worker(int rank, const SweepOptions& o, Outbox& out);

}  // namespace svasim::mpi
