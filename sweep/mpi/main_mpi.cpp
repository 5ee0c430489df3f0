// svasim-mpi: the MPI sweep backend as its own executable, started by `svasim sweep --backend mpi`
// (which execs it with the parsed options) on every rank. Not meant to be run by hand.
#include <iostream>

#include "sweep/child_process.hpp"
#include "sweep/mpi/mpi_link.hpp"
#include "sweep/sweep_run.hpp"

int main(int argc, char** argv) {
  using namespace svasim;
  if (argc != 5 || std::string(argv[1]) != "--svasim" || std::string(argv[3]) != "--options") {
    std::cerr << "svasim-mpi: started by svasim itself; run: mpirun -n R svasim sweep SPEC --backend mpi -o DIR\n";
    return kExitBadInput;
  }
  try {
    set_child_executable(argv[2]);
    return run_sweep_mpi(sweep_options_from_json(nlohmann::json::parse(argv[4])));
  } catch (const std::exception& e) {
    std::cerr << "svasim-mpi: failed: " << e.what() << "\n";
    // The other ranks would wait for this one forever: end the job.
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, kExitFailure);
    return kExitFailure;
  }
}
