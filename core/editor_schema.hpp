#pragma once
// The JSON Schemas an editor uses (scenarios/scenario.schema.json, scenarios/sweep.schema.json): the
// hand-written schemas of core/schema/ with what only the registrations know added, so an editor completes
// and checks model names and parameters too:
//   scenario: an enum (with one-line descriptions) at every axis' scenario key (profile, environment,
//             platform, models.*, the DMA pattern's kind) and a "params" object with a property per declared
//             parameter (type, range, default, unit, source);
//   sweep:    the scenario paths an axis may set, as examples for the axis' "path".
// The loader keeps validating against the hand-written scenario schema and the registry, whose messages
// name the file, the JSON path and the closest known name; these are for editors and are tested to accept
// every shipped file and to reject what the loader rejects.
#include <nlohmann/json.hpp>

namespace svasim {

nlohmann::ordered_json scenario_editor_schema();
nlohmann::ordered_json sweep_editor_schema();

// The JSON text written to scenarios/*.schema.json: two-space indentation and a final newline.
std::string schema_file_text(const nlohmann::ordered_json& schema);

}  // namespace svasim
