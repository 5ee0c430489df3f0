#include "core/schema_check.hpp"

#include "core/error.hpp"
#include "core/suggest.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// Design notes.
//  * The schema is linted first (every node reachable through the supported keywords): an unsupported
//    keyword, a malformed keyword value or an unresolvable $ref is a bug in the schema, reported as
//    std::logic_error, never silently ignored - a constraint the validator skipped would make the
//    schema lie about what is accepted.
//  * Validation stops at the first violation and returns it as a Failure; nothing throws until the
//    top level, so oneOf/anyOf can try every branch cheaply.
//  * Ranking of oneOf/anyOf branch failures: the deepest error location wins ("missing required key"
//    counts as located at the key, one level below the object it is reported on). If the deepest
//    failures are all of one kind at one path, they are merged: "expected integer >= 1 or \"auto\"",
//    "unknown key \"x\" (allowed: <union>)", "missing required key \"a\" or \"b\"". Otherwise the
//    branches that made the most progress (checks passed before failing; a recognised key counts)
//    are kept and merged if possible, else the first of them is reported. Object properties whose
//    schema is a const/enum (discriminators such as "kind") are checked first, so the branch for
//    another kind fails early and shallow.

namespace svasim {
namespace {

using nlohmann::json;

// ------------------------------------------------------------------------------------------------
// Small helpers

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_pointer_token(const std::string& token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}


std::string plural(std::uint64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

// How a value is shown after "got".
std::string describe_value(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return v.empty() ? "an empty object" : "an object";
    case json::value_t::array:
      return "an array of " + plural(v.size(), "item");
    case json::value_t::string: {
      std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
      if (s.size() > 60) s = s.substr(0, 56) + "...\"";
      return s;
    }
    default:
      return v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string show(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (v.is_number_float()) {
    const double x = v.get<double>();
    return std::isfinite(x) && std::trunc(x) == x;
  }
  return false;
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "number") return v.is_number();
  if (t == "integer") return is_integral(v);
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

// Three-way comparison of two JSON numbers, exact for all 64-bit integers.
int compare_numbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_neg = a.is_number_unsigned() ? false : a.get<std::int64_t>() < 0;
    const bool b_neg = b.is_number_unsigned() ? false : b.get<std::int64_t>() < 0;
    if (a_neg != b_neg) return a_neg ? -1 : 1;
    if (a_neg) {
      const auto x = a.get<std::int64_t>();
      const auto y = b.get<std::int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const auto x = a.get<std::uint64_t>();
    const auto y = b.get<std::uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const auto x = a.get<long double>();
  const auto y = b.get<long double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::vector<std::string> types_of(const json& s) {
  std::vector<std::string> out;
  if (!s.is_object()) return out;
  auto it = s.find("type");
  if (it == s.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else {
    for (const auto& t : *it) out.push_back(t.get<std::string>());
  }
  return out;
}

// "integer >= 1 and <= 64", "string of at least 1 character", "array with at most 4 items", ...
std::string describe_schema(const json& s) {
  std::vector<std::string> types = types_of(s);
  if (types.empty()) {
    if (s.contains("minimum") || s.contains("maximum") || s.contains("exclusiveMinimum") ||
        s.contains("exclusiveMaximum")) {
      types.push_back("number");
    } else if (s.contains("minLength") || s.contains("maxLength")) {
      types.push_back("string");
    } else if (s.contains("minItems") || s.contains("maxItems") || s.contains("items")) {
      types.push_back("array");
    } else if (s.contains("properties") || s.contains("required")) {
      types.push_back("object");
    } else {
      types.push_back("value");
    }
  }
  std::string out;
  for (const auto& t : types) {
    std::vector<std::string> clauses;
    if (t == "number" || t == "integer" || t == "value") {
      if (s.contains("minimum")) clauses.push_back(">= " + show(s["minimum"]));
      if (s.contains("exclusiveMinimum")) clauses.push_back("> " + show(s["exclusiveMinimum"]));
      if (s.contains("maximum")) clauses.push_back("<= " + show(s["maximum"]));
      if (s.contains("exclusiveMaximum")) clauses.push_back("< " + show(s["exclusiveMaximum"]));
    }
    if (t == "string") {
      if (s.contains("minLength")) {
        clauses.push_back("of at least " + plural(s["minLength"].get<std::uint64_t>(), "character"));
      }
      if (s.contains("maxLength")) {
        clauses.push_back("of at most " + plural(s["maxLength"].get<std::uint64_t>(), "character"));
      }
    }
    if (t == "array") {
      if (s.contains("minItems")) {
        clauses.push_back("with at least " + plural(s["minItems"].get<std::uint64_t>(), "item"));
      }
      if (s.contains("maxItems")) {
        clauses.push_back("with at most " + plural(s["maxItems"].get<std::uint64_t>(), "item"));
      }
    }
    std::string part = t;
    for (std::size_t i = 0; i < clauses.size(); ++i) part += (i == 0 ? " " : " and ") + clauses[i];
    if (!out.empty()) out += " or ";
    out += part;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Failures

struct Failure {
  // Failures of one kind at one path can be merged across oneOf/anyOf branches.
  enum class Kind {
    kValue,       // "expected <expected... | one of allowed...>, got <got>"
    kUnknownKey,  // "unknown key "<key>" (allowed: <known...>)"; path is the key's
    kMissingKey,  // "missing required key "<missing>""; path is the object's
    kOther,
  };
  Kind kind = Kind::kOther;
  std::string path;            // JSON Pointer into the document
  std::size_t rank_depth = 0;  // depth used to rank oneOf/anyOf branches
  std::vector<std::string> expected;  // kValue: descriptions, e.g. "integer >= 1"
  std::vector<json> allowed;          // kValue: const/enum values
  std::string got;                    // kValue
  std::string key;                    // kUnknownKey
  std::vector<std::string> known;     // kUnknownKey: the keys the schema names
  std::vector<std::string> present;   // kUnknownKey: the keys the object has
  std::vector<std::string> missing;   // kMissingKey
  std::string message;
};

std::string value_message(const Failure& f, const json& value) {
  std::vector<std::string> parts = f.expected;
  if (f.allowed.size() == 1) {
    parts.push_back(show(f.allowed.front()));
  } else if (f.allowed.size() > 1) {
    std::string list = "one of ";
    for (std::size_t i = 0; i < f.allowed.size(); ++i) list += (i == 0 ? "" : ", ") + show(f.allowed[i]);
    parts.push_back(list);
  }
  std::string msg = "expected ";
  for (std::size_t i = 0; i < parts.size(); ++i) msg += (i == 0 ? "" : " or ") + parts[i];
  msg += ", got " + f.got;
  if (value.is_string() && !f.allowed.empty()) {
    std::vector<std::string> words;
    for (const auto& a : f.allowed) {
      if (a.is_string()) words.push_back(a.get<std::string>());
    }
    const std::string guess = closest(value.get<std::string>(), words);
    if (!guess.empty()) msg += "; did you mean \"" + guess + "\"?";
  }
  return msg;
}

Failure value_failure(const std::string& path, std::size_t depth, const json& value,
                      std::vector<std::string> expected, std::vector<json> allowed) {
  Failure f;
  f.path = path;
  f.rank_depth = depth;
  f.kind = Failure::Kind::kValue;
  f.expected = std::move(expected);
  f.allowed = std::move(allowed);
  f.got = describe_value(value);
  f.message = value_message(f, value);
  return f;
}

Failure other_failure(const std::string& path, std::size_t rank_depth, std::string message) {
  Failure f;
  f.path = path;
  f.rank_depth = rank_depth;
  f.message = std::move(message);
  return f;
}

std::string unknown_key_message(const Failure& f) {
  std::string msg = "unknown key " + show(json(f.key));
  if (f.known.empty()) return msg + " (no keys are allowed here)";
  msg += " (allowed: ";
  for (std::size_t i = 0; i < f.known.size(); ++i) msg += (i == 0 ? "" : ", ") + f.known[i];
  msg += ")";
  // A key the object already has is never suggested: "latncy_ns" next to "latency_ns" is a stray.
  std::vector<std::string> unused;
  for (const auto& k : f.known) {
    if (std::find(f.present.begin(), f.present.end(), k) == f.present.end()) unused.push_back(k);
  }
  const std::string guess = closest(f.key, unused);
  if (!guess.empty()) msg += "; did you mean \"" + guess + "\"?";
  return msg;
}

Failure unknown_key_failure(const std::string& key_path, std::size_t depth, const std::string& key,
                            std::vector<std::string> known, std::vector<std::string> present) {
  Failure f;
  f.kind = Failure::Kind::kUnknownKey;
  f.path = key_path;
  f.rank_depth = depth;
  f.key = key;
  f.known = std::move(known);
  f.present = std::move(present);
  f.message = unknown_key_message(f);
  return f;
}

std::string missing_key_message(const Failure& f) {
  std::string msg = "missing required key ";
  for (std::size_t i = 0; i < f.missing.size(); ++i) {
    if (i > 0) msg += i + 1 == f.missing.size() ? " or " : ", ";
    msg += show(json(f.missing[i]));
  }
  return msg;
}

// Reported on the object, ranked as if located at the missing key (one level below the object).
Failure missing_key_failure(const std::string& object_path, std::size_t depth, const std::string& key) {
  Failure f;
  f.kind = Failure::Kind::kMissingKey;
  f.path = object_path;
  f.rank_depth = depth + 1;
  f.missing.push_back(key);
  f.message = missing_key_message(f);
  return f;
}

template <typename T>
void append_unique(std::vector<T>& to, const std::vector<T>& from) {
  for (const auto& x : from) {
    if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
  }
}

// ------------------------------------------------------------------------------------------------
// Schema lint and $ref resolution

const json* resolve_ref(const json& root, const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  const json* node = &root;
  std::size_t pos = 1;
  if (pos == ref.size()) return node;
  if (ref[pos] != '/') return nullptr;
  while (pos < ref.size()) {
    const std::size_t next = ref.find('/', pos + 1);
    const std::string token =
        unescape_pointer_token(ref.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1));
    if (!node->is_object()) return nullptr;
    auto it = node->find(token);
    if (it == node->end()) return nullptr;
    node = &*it;
    pos = next == std::string::npos ? ref.size() : next;
  }
  return node;
}

[[noreturn]] void schema_bug(const std::string& where, const std::string& what) {
  throw std::logic_error("invalid schema at #" + where + ": " + what);
}

bool is_annotation(const std::string& key) {
  static const char* const kIgnored[] = {"description", "title",   "default",    "examples", "$schema",
                                         "$id",         "$comment", "format",    "deprecated",
                                         "readOnly",    "writeOnly",  "enumDescriptions"};  // VS Code's
  for (const char* k : kIgnored) {
    if (key == k) return true;
  }
  return key.rfind("x-", 0) == 0;  // vendor extensions
}

void lint(const json& root, const json& s, const std::string& where) {
  if (s.is_boolean()) return;
  if (!s.is_object()) schema_bug(where, "a schema must be an object or a boolean");
  auto need_count = [&](const std::string& key, const json& v) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      schema_bug(where + "/" + key, "expected a non-negative integer");
    }
  };
  for (auto it = s.begin(); it != s.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    const std::string at = where + "/" + escape_pointer_token(key);
    if (is_annotation(key)) continue;
    if (key == "type") {
      std::vector<json> names;
      if (v.is_string()) {
        names.push_back(v);
      } else if (v.is_array() && !v.empty()) {
        names.assign(v.begin(), v.end());
      } else {
        schema_bug(at, "\"type\" must be a string or a non-empty array of strings");
      }
      for (const auto& n : names) {
        static const char* const kTypes[] = {"object", "array", "string", "number", "integer", "boolean", "null"};
        bool ok = false;
        for (const char* t : kTypes) ok = ok || (n.is_string() && n.get<std::string>() == t);
        if (!ok) schema_bug(at, "unknown type " + show(n));
      }
    } else if (key == "properties" || key == "$defs" || key == "definitions") {
      if (!v.is_object()) schema_bug(at, "expected an object of schemas");
      for (auto p = v.begin(); p != v.end(); ++p) lint(root, p.value(), at + "/" + escape_pointer_token(p.key()));
    } else if (key == "required") {
      if (!v.is_array()) schema_bug(at, "expected an array of strings");
      for (const auto& r : v) {
        if (!r.is_string()) schema_bug(at, "expected an array of strings");
      }
    } else if (key == "additionalProperties" || key == "items") {
      if (key == "items" && v.is_array()) schema_bug(at, "tuple-form \"items\" is not supported");
      lint(root, v, at);
    } else if (key == "enum") {
      if (!v.is_array() || v.empty()) schema_bug(at, "expected a non-empty array");
    } else if (key == "const") {
      // any value
    } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!v.is_number()) schema_bug(at, "expected a number");
    } else if (key == "minItems" || key == "maxItems" || key == "minLength" || key == "maxLength") {
      need_count(key, v);
    } else if (key == "uniqueItems") {
      if (!v.is_boolean()) schema_bug(at, "expected a boolean");
    } else if (key == "oneOf" || key == "anyOf" || key == "allOf") {
      if (!v.is_array() || v.empty()) schema_bug(at, "expected a non-empty array of schemas");
      for (std::size_t i = 0; i < v.size(); ++i) lint(root, v[i], at + "/" + std::to_string(i));
    } else if (key == "$ref") {
      if (!v.is_string() || resolve_ref(root, v.get<std::string>()) == nullptr) {
        schema_bug(at, "unresolvable $ref " + show(v) + " (only \"#/$defs/NAME\"-style references are supported)");
      }
    } else {
      schema_bug(at, "unsupported keyword \"" + key + "\"");
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Validation

class Validator {
public:
  explicit Validator(const json& root) : root_(root) {}

  // progress: incremented for every check passed, used to rank oneOf/anyOf branches.
  std::optional<Failure> validate(const json& v, const json& s, const std::string& path, std::size_t depth,
                                  std::size_t& progress) {
    if (++nesting_ > kMaxNesting) {
      throw std::logic_error("schema recursion too deep at " + path + " (a $ref cycle?)");
    }
    auto result = validate_node(v, s, path, depth, progress);
    --nesting_;
    if (!result) ++progress;
    return result;
  }

private:
  static constexpr int kMaxNesting = 1000;
  const json& root_;
  int nesting_ = 0;

  const json& deref(const json& s) const {
    const json* node = &s;
    for (int hops = 0; node->is_object() && node->contains("$ref") && hops < 64; ++hops) {
      node = resolve_ref(root_, (*node)["$ref"].get<std::string>());
    }
    return *node;
  }

  bool is_discriminator(const json& s) const {
    const json& t = deref(s);
    return t.is_object() && (t.contains("const") || t.contains("enum"));
  }

  std::optional<Failure> validate_node(const json& v, const json& s, const std::string& path, std::size_t depth,
                                       std::size_t& progress) {
    if (s.is_boolean()) {
      if (s.get<bool>()) return std::nullopt;
      return other_failure(path, depth, "no value is allowed here");
    }

    if (auto it = s.find("$ref"); it != s.end()) {
      const json* target = resolve_ref(root_, it->get<std::string>());
      if (auto f = validate(v, *target, path, depth, progress)) return f;
    }

    // type (reported as an enum/const mismatch when the schema lists the allowed values)
    if (auto it = s.find("type"); it != s.end()) {
      bool ok = false;
      for (const auto& t : types_of(s)) ok = ok || has_type(v, t);
      if (!ok) {
        if (s.contains("const")) return value_failure(path, depth, v, {}, {s["const"]});
        if (s.contains("enum")) return value_failure(path, depth, v, {}, s["enum"].get<std::vector<json>>());
        return value_failure(path, depth, v, {describe_schema(s)}, {});
      }
      ++progress;
    }

    if (auto it = s.find("const"); it != s.end()) {
      if (v != *it) return value_failure(path, depth, v, {}, {*it});
      ++progress;
    }
    if (auto it = s.find("enum"); it != s.end()) {
      if (std::find(it->begin(), it->end(), v) == it->end()) {
        return value_failure(path, depth, v, {}, it->get<std::vector<json>>());
      }
      ++progress;
    }

    if (v.is_number()) {
      bool ok = true;
      if (auto it = s.find("minimum"); it != s.end()) ok = ok && compare_numbers(v, *it) >= 0;
      if (auto it = s.find("exclusiveMinimum"); it != s.end()) ok = ok && compare_numbers(v, *it) > 0;
      if (auto it = s.find("maximum"); it != s.end()) ok = ok && compare_numbers(v, *it) <= 0;
      if (auto it = s.find("exclusiveMaximum"); it != s.end()) ok = ok && compare_numbers(v, *it) < 0;
      if (!ok) return value_failure(path, depth, v, {describe_schema(s)}, {});
    }

    if (v.is_string()) {
      const std::size_t len = utf8_length(v.get_ref<const std::string&>());
      bool ok = true;
      if (auto it = s.find("minLength"); it != s.end()) ok = ok && len >= it->get<std::uint64_t>();
      if (auto it = s.find("maxLength"); it != s.end()) ok = ok && len <= it->get<std::uint64_t>();
      if (!ok) return value_failure(path, depth, v, {describe_schema(s)}, {});
    }

    if (v.is_array()) {
      if (auto f = validate_array(v, s, path, depth, progress)) return f;
    }
    if (v.is_object()) {
      if (auto f = validate_object(v, s, path, depth, progress)) return f;
    }

    if (auto it = s.find("allOf"); it != s.end()) {
      for (const auto& branch : *it) {
        if (auto f = validate(v, branch, path, depth, progress)) return f;
      }
    }
    if (auto it = s.find("anyOf"); it != s.end()) {
      if (auto f = validate_alternatives(v, *it, false, path, depth, progress)) return f;
    }
    if (auto it = s.find("oneOf"); it != s.end()) {
      if (auto f = validate_alternatives(v, *it, true, path, depth, progress)) return f;
    }
    return std::nullopt;
  }

  std::optional<Failure> validate_array(const json& v, const json& s, const std::string& path, std::size_t depth,
                                        std::size_t& progress) {
    bool ok = true;
    if (auto it = s.find("minItems"); it != s.end()) ok = ok && v.size() >= it->get<std::uint64_t>();
    if (auto it = s.find("maxItems"); it != s.end()) ok = ok && v.size() <= it->get<std::uint64_t>();
    if (!ok) return value_failure(path, depth, v, {describe_schema(s)}, {});
    if (auto it = s.find("items"); it != s.end()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (auto f = validate(v[i], *it, path + "/" + std::to_string(i), depth + 1, progress)) return f;
      }
    }
    if (auto it = s.find("uniqueItems"); it != s.end() && it->get<bool>()) {
      for (std::size_t i = 1; i < v.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (v[i] == v[j]) {
            return other_failure(path + "/" + std::to_string(i), depth + 1,
                                 "duplicate item " + describe_value(v[i]) + " (same as item " + std::to_string(j) +
                                     "); items must be unique");
          }
        }
      }
    }
    return std::nullopt;
  }

  std::optional<Failure> validate_object(const json& v, const json& s, const std::string& path, std::size_t depth,
                                         std::size_t& progress) {
    static const json kNoProperties = json::object();
    auto props_it = s.find("properties");
    const json& props = props_it != s.end() ? *props_it : kNoProperties;

    // 1. Known properties, discriminators (const/enum schemas) first.
    for (int pass = 0; pass < 2; ++pass) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        auto p = props.find(it.key());
        if (p == props.end() || is_discriminator(*p) != (pass == 0)) continue;
        ++progress;  // the key is one this schema knows: a better fit than a schema that does not
        if (auto f = validate(it.value(), *p, path + "/" + escape_pointer_token(it.key()), depth + 1, progress)) {
          return f;
        }
      }
    }

    // 2. Keys not in "properties".
    if (auto ap = s.find("additionalProperties"); ap != s.end()) {
      std::vector<std::string> known;
      for (auto p = props.begin(); p != props.end(); ++p) known.push_back(p.key());
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (props.contains(it.key())) continue;
        const std::string key_path = path + "/" + escape_pointer_token(it.key());
        if (ap->is_boolean() && !ap->get<bool>()) {
          std::vector<std::string> present;
          for (auto k = v.begin(); k != v.end(); ++k) present.push_back(k.key());
          return unknown_key_failure(key_path, depth + 1, it.key(), std::move(known), std::move(present));
        }
        if (auto f = validate(it.value(), *ap, key_path, depth + 1, progress)) return f;
      }
    }

    // 3. Required keys.
    if (auto req = s.find("required"); req != s.end()) {
      for (const auto& r : *req) {
        const auto& key = r.get_ref<const std::string&>();
        if (!v.contains(key)) return missing_key_failure(path, depth, key);
        ++progress;
      }
    }
    return std::nullopt;
  }

  std::optional<Failure> validate_alternatives(const json& v, const json& branches, bool exactly_one,
                                               const std::string& path, std::size_t depth, std::size_t& progress) {
    std::vector<Attempt> failed;
    std::vector<std::size_t> passed;
    std::size_t passed_progress = 0;
    for (std::size_t i = 0; i < branches.size(); ++i) {
      std::size_t p = 0;
      auto f = validate(v, branches[i], path, depth, p);
      if (!f) {
        if (passed.empty()) passed_progress = p;
        passed.push_back(i);
        if (!exactly_one) break;
      } else {
        failed.push_back({std::move(*f), p});
      }
    }
    if (passed.size() > 1) {
      return other_failure(path, depth,
                           "ambiguous: the value matches alternatives " + std::to_string(passed[0] + 1) + " and " +
                               std::to_string(passed[1] + 1) + " of the schema's oneOf, which must match exactly one");
    }
    if (passed.size() == 1) {
      progress += passed_progress;
      return std::nullopt;
    }

    // Every branch failed: rank them (see the design notes at the top).
    std::size_t best_depth = 0;
    for (const auto& a : failed) best_depth = std::max(best_depth, a.failure.rank_depth);
    std::vector<const Attempt*> candidates;
    for (const auto& a : failed) {
      if (a.failure.rank_depth == best_depth) candidates.push_back(&a);
    }
    for (int round = 0; round < 2; ++round) {
      if (round == 1) {  // could not merge them all: keep those that got furthest and try again
        std::size_t best_progress = 0;
        for (const auto* a : candidates) best_progress = std::max(best_progress, a->progress);
        std::erase_if(candidates, [&](const Attempt* a) { return a->progress != best_progress; });
      }
      if (auto merged = merge(candidates, v, path)) {
        std::size_t best_progress = 0;
        for (const auto* a : candidates) best_progress = std::max(best_progress, a->progress);
        progress += best_progress;
        return merged;
      }
    }
    progress += candidates.front()->progress;
    return candidates.front()->failure;
  }

  struct Attempt {
    Failure failure;
    std::size_t progress;
  };

  // One failure standing for all of `attempts` when they are of one mergeable kind at one path
  // (or there is just one), else nullopt. `v` is the value at `path`, which the failures are under.
  static std::optional<Failure> merge(const std::vector<const Attempt*>& attempts, const json& v,
                                      const std::string& path) {
    const Failure& first = attempts.front()->failure;
    if (attempts.size() == 1) return first;
    if (first.kind == Failure::Kind::kOther) return std::nullopt;
    for (const auto* a : attempts) {
      if (a->failure.kind != first.kind || a->failure.path != first.path) return std::nullopt;
    }
    Failure merged = first;
    for (const auto* a : attempts) {
      append_unique(merged.expected, a->failure.expected);
      append_unique(merged.allowed, a->failure.allowed);
      append_unique(merged.known, a->failure.known);
      append_unique(merged.missing, a->failure.missing);
    }
    switch (merged.kind) {
      case Failure::Kind::kValue: {
        const json* value = resolve_pointer(v, path, merged.path);
        merged.message = value_message(merged, value != nullptr ? *value : json());
        break;
      }
      case Failure::Kind::kUnknownKey:
        std::sort(merged.known.begin(), merged.known.end());
        merged.message = unknown_key_message(merged);
        break;
      case Failure::Kind::kMissingKey:
        merged.message = missing_key_message(merged);
        break;
      case Failure::Kind::kOther:
        break;
    }
    return merged;
  }

  // The value at document pointer `target`, given that `base` (at pointer `base_path`) is a prefix.
  static const json* resolve_pointer(const json& base, const std::string& base_path, const std::string& target) {
    if (target.compare(0, base_path.size(), base_path) != 0) return nullptr;
    const json* node = &base;
    std::size_t pos = base_path.size();
    while (pos < target.size()) {
      const std::size_t next = target.find('/', pos + 1);
      const std::string token = unescape_pointer_token(
          target.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1));
      if (node->is_object()) {
        auto it = node->find(token);
        if (it == node->end()) return nullptr;
        node = &*it;
      } else if (node->is_array()) {
        std::size_t idx = 0;
        for (char c : token) idx = idx * 10 + static_cast<std::size_t>(c - '0');
        if (idx >= node->size()) return nullptr;
        node = &(*node)[idx];
      } else {
        return nullptr;
      }
      pos = next == std::string::npos ? target.size() : next;
    }
    return node;
  }
};

}  // namespace

void check_against_schema(const nlohmann::json& doc, const nlohmann::json& schema) {
  lint(schema, schema, "");
  Validator validator(schema);
  std::size_t progress = 0;
  if (auto f = validator.validate(doc, schema, "", 0, progress)) throw InputError(f->path, f->message);
}

}  // namespace svasim
