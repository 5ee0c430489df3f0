// svasim's side of --backend mpi: become svasim-mpi (same process, so the MPI launcher's rank is kept)
// before anything touches MPI.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "sweep/sweep_run.hpp"

namespace svasim {

int cmd_sweep_mpi(const SweepOptions& o) {
#ifndef SVASIM_HAVE_MPI
  (void)o;
  std::cerr << "svasim: error: --backend mpi: this svasim was built without MPI (install openmpi-bin and "
               "libopenmpi-dev, e.g. with scripts/setup, and rebuild); without MPI use --shard I/N and svasim merge\n";
  return kExitBadInput;
#else
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) {
    std::cerr << "svasim: failed: cannot find the svasim executable (/proc/self/exe)\n";
    return kExitFailure;
  }
  const std::string self(buf, static_cast<std::size_t>(n));
  const std::string helper = (std::filesystem::path(self).parent_path() / "svasim-mpi").string();
  std::string options = sweep_options_json(o).dump();
  std::string exe = helper, flag_svasim = "--svasim", flag_options = "--options", self_copy = self;
  char* argv[] = {exe.data(), flag_svasim.data(), self_copy.data(), flag_options.data(), options.data(), nullptr};
  execv(helper.c_str(), argv);
  std::cerr << "svasim: error: --backend mpi: cannot start " << helper << ": " << std::strerror(errno)
            << " (svasim-mpi is built next to svasim when CMake finds MPI)\n";
  return kExitBadInput;
#endif
}

}  // namespace svasim
