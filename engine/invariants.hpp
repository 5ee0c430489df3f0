#pragma once
// What must hold at the end of every run, whatever the parameters: checked in debug builds and with
// `svasim run --check`. A run that breaks one fails (exit 1) naming it: a model bug, never a result.
#include <string>
#include <vector>

namespace svasim {

struct World;

#ifdef NDEBUG
inline constexpr bool kCheckInvariantsByDefault = false;
#else
inline constexpr bool kCheckInvariantsByDefault = true;
#endif

// "name: detail" for every invariant the finished run breaks; empty when all hold.
std::vector<std::string> broken_invariants(const World& w);

}  // namespace svasim
