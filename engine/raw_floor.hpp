#pragma once
// The floor `svasim bench` compares svasim with: the same number of sleeps and detached transfers between
// two hosts in a bare SimGrid engine, nothing else. One engine per process, like a simulation.
#include <cstdint>

namespace svasim {

// Runs the loop and returns its wall time in seconds.
double run_raw_simgrid_floor(std::uint64_t sleeps, std::uint64_t comms);

}  // namespace svasim
