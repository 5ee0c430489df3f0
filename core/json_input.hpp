#pragma once
// JSON a user wrote (scenarios, sweep specs, --set values), read strictly: a key given twice in one
// object is refused at the path of its second occurrence (nlohmann would silently keep the last), nesting
// deeper than kMaxJsonDepth is refused before anything recursive walks it, and a file larger than
// kMaxInputFileBytes is refused before it is read.
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>

namespace svasim {

inline constexpr int kMaxJsonDepth = 64;                        // svasim's own formats nest at most ~8 deep
inline constexpr std::uintmax_t kMaxInputFileBytes = 64u << 20;  // 64 MiB; shipped scenarios are a few KiB

// Throws InputError(path, ...) for a duplicate key or too deep a nesting, and InputError("", "not valid
// JSON: ...") for a syntax error (numbers no double can hold included).
nlohmann::json parse_user_json(std::istream& in);
nlohmann::json parse_user_json(const std::string& text);

// Checks that `file` is a regular file no larger than kMaxInputFileBytes; InputError("", ...) otherwise.
void check_input_file(const std::string& file, const char* what);

// True when `s` is well-formed UTF-8 (JSON strings must be).
bool is_valid_utf8(const std::string& s);

}  // namespace svasim
