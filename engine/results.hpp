#pragma once
// Results JSON: versioned, carrying its provenance, the counters and latency distributions of one run.
#include <nlohmann/json.hpp>
#include <string>

#include "engine/scenario.hpp"
#include "engine/stats.hpp"

namespace svasim {

inline constexpr const char* kResultsFormat = "svasim-results";
inline constexpr int kResultsFormatVersion = 1;

nlohmann::json make_results(const Scenario& s, const Stats& st);

// Writes via a temporary file and rename, so a reader never sees half a result. Throws std::runtime_error.
void write_json_atomically(const std::string& path, const nlohmann::json& j);

}  // namespace svasim
