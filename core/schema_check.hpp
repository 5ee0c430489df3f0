#pragma once
// A small validator for the JSON Schema subset the scenario schema uses, so the schema file is the one
// source of truth for the shape of a scenario. Supported keywords: type (string or array of
// "object","array","string","number","integer","boolean","null"), properties, required,
// additionalProperties (false or a schema), items, enum, const, minimum, maximum, exclusiveMinimum,
// minItems, maxItems, minLength, pattern-free strings, oneOf, anyOf, $ref to "#/$defs/NAME",
// description/title/default/examples/$schema/$id/$comment (ignored).
#include <nlohmann/json.hpp>
#include <string>

namespace svasim {

// Throws InputError(path, message) for the first violation found, where path is a JSON Pointer into
// `doc` (e.g. "/topology/nodes/3/kind") and message says what was expected there, e.g.
// "unknown key \"latncy_ns\" (allowed: bandwidth_gbps, latency_ns); did you mean \"latency_ns\"?" or
// "expected integer >= 1, got \"four\"". For oneOf/anyOf, the error of the branch that got deepest into
// the document (equally deep errors of the same kind are merged). An unsupported keyword in the schema
// itself is a std::logic_error: a constraint must never be silently ignored.
void check_against_schema(const nlohmann::json& doc, const nlohmann::json& schema);

}  // namespace svasim
