// JSON a user wrote is read strictly (core/json_input): duplicate keys and runaway nesting are input
// errors with a JSON Pointer, never a silent "last one wins" or a stack overflow.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/scenario.hpp"

using namespace svasim;

namespace {
std::string error_path(const std::string& text) {
  try {
    parse_user_json(text);
  } catch (const InputError& e) {
    return e.path() + " | " + e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("json input: a key given twice is refused at its second occurrence", "[json][hardening]") {
  CHECK_THAT(error_path(R"({"seed": 1, "seed": 2})"), Catch::StartsWith("/seed | "));
  CHECK_THAT(error_path(R"({"a": [{"x": 1}, {"y": 1, "y": 2}]})"), Catch::StartsWith("/a/1/y | "));
  CHECK_THAT(error_path(R"({"a/b": {"c~": 1, "c~": 1}})"), Catch::StartsWith("/a~1b/c~0 | "));
  CHECK(error_path(R"({"a": {"x": 1}, "b": {"x": 1}})") == "no error");  // the same key in two objects is fine
}

TEST_CASE("json input: nesting is bounded before anything recursive walks it", "[json][hardening]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THAT(error_path(deep), Catch::Contains("nested deeper than 64 levels"));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"p\":";
  objects += "1" + std::string(100000, '}');
  CHECK_THAT(error_path(objects), Catch::StartsWith("/p/p/p/p"));
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  CHECK(error_path(ok) == "no error");
}

TEST_CASE("json input: syntax errors keep their message", "[json][hardening]") {
  CHECK_THAT(error_path("{\"a\": 1,}"), Catch::StartsWith(" | not valid JSON"));
  CHECK_THAT(error_path("[1e999]"), Catch::StartsWith(" | not valid JSON"));
}

TEST_CASE("json input: UTF-8 validation", "[json][hardening]") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("json input: --set with an array index beyond any array and a value that is not UTF-8 is an input error", "[json][hardening]") {
  nlohmann::json doc = {{"a", {1, 2}}};
  auto path_of = [&](const std::string& p, const std::string& v) {
    try {
      apply_set_override(doc, p, v);
    } catch (const InputError& e) {
      return e.path();
    }
    return std::string("no error");
  };
  CHECK(path_of("a.1000000000000000000", "5") == "/a/1000000000000000000");
  CHECK(path_of("a.99999999999999999999999999", "5") == "/a/99999999999999999999999999");
  CHECK(path_of("a.0", "\xff\xfe") == "--set");
  CHECK(path_of("b", R"({"x": 1, "x": 2})") == "--set");
  CHECK(path_of("a.0", "7") == "no error");
  CHECK(doc["a"][0] == 7);
}
