#pragma once
// Results JSON: versioned, carrying its provenance, the counters and latency distributions of one run.
#include <nlohmann/json.hpp>
#include <string>

#include "core/run_results.hpp"
#include "core/scenario.hpp"
#include "core/stats.hpp"

namespace svasim {

// One run's measurements as RunResults (core/run_results.hpp holds the format and its version).
RunResults results_of(const Scenario& s, const Stats& st);
// The scenario's hash, extended by the SimGrid flags of the run when there are any (they change what
// is simulated): what a run's provenance records and what a sweep's --resume compares.
std::string scenario_hash_with(const Scenario& s, const std::vector<std::string>& simgrid_args);
// results_of(s, st).to_json().
nlohmann::json make_results(const Scenario& s, const Stats& st);

// Checks, before any simulation, that `path` can receive a results file: its directory exists and is
// writable, and it is not a directory or a device. Throws InputError(option, ...).
void check_output_file(const std::string& path, const std::string& option = "-o");
// Checks that `path` can be (or is) a directory receiving results files. Throws InputError("-o", ...).
void check_output_directory(const std::string& path);

// Writes via a temporary file private to this process and a rename, so a reader never sees half a
// result and concurrent writers never share a temporary. Throws std::runtime_error.
void write_json_atomically(const std::string& path, const nlohmann::json& j);
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace svasim
