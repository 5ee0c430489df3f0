#pragma once
// SimGrid's own flags (--cfg=NAME:VALUE, --log=...) are user input: checked before anything runs or any
// file is written, so that a typo exits 2 with a message instead of an abort or a crash inside SimGrid.
#include <string>
#include <vector>

namespace svasim {

// Throws InputError("--cfg" or "--log", message). Checks the syntax, then lets SimGrid itself judge the
// flags in a forked probe that starts an engine, one host and one actor (SimGrid allows one engine per
// process, and a bad value may abort or crash it); a log category no probe run knows is refused too.
void check_simgrid_flags(const std::vector<std::string>& args);

}  // namespace svasim
