#pragma once
// Seeded random streams. Every stream derives from the scenario seed and a stable entity name, so
// adding an entity never perturbs the others and the same scenario + seed gives the same bytes.
// xoshiro256** seeded through splitmix64; no std:: distributions (their output differs between
// standard libraries).
#include <cstdint>
#include <string_view>

namespace svasim {

class RandomStream {
public:
  RandomStream(std::uint64_t seed, std::string_view entity);
  std::uint64_t next();
  double uniform01();                                       // [0, 1)
  std::uint64_t uniform_int(std::uint64_t lo, std::uint64_t hi); // inclusive, unbiased
  double exponential(double mean);

private:
  std::uint64_t s_[4];
};

// FNV-1a 64-bit: stable hashes for stream derivation and scenario hashing.
std::uint64_t fnv1a64(std::string_view text, std::uint64_t h = 0xcbf29ce484222325ULL);

}  // namespace svasim
