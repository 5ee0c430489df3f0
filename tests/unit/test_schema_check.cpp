#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/schema_check.hpp"

#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

using nlohmann::json;
using svasim::check_against_schema;

namespace {

struct Error {
  std::string path;
  std::string message;
};

// nullopt when the document is valid, else the reported (path, message).
std::optional<Error> check(const json& doc, const json& schema) {
  try {
    check_against_schema(doc, schema);
  } catch (const svasim::InputError& e) {
    return Error{e.path(), e.what()};
  }
  return std::nullopt;
}

bool accepts(const json& doc, const json& schema) { return !check(doc, schema).has_value(); }

Error rejects(const json& doc, const json& schema) {
  auto e = check(doc, schema);
  INFO("doc: " << doc.dump() << "\nschema: " << schema.dump());
  REQUIRE(e.has_value());
  return *e;
}

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

}  // namespace

TEST_CASE("schema: type", "[schema]") {
  SECTION("each type accepts its own values and rejects others") {
    const std::pair<const char*, json> samples[] = {
        {"object", json::object()}, {"array", json::array()}, {"string", "s"}, {"number", 1.5},
        {"integer", 3},             {"boolean", true},        {"null", nullptr},
    };
    for (const auto& [type, good] : samples) {
      const json schema = {{"type", type}};
      INFO(type);
      CHECK(accepts(good, schema));
      for (const auto& [other_type, other] : samples) {
        const bool compatible = std::string(type) == other_type || (std::string(type) == "number" && std::string(other_type) == "integer");
        if (compatible) continue;
        INFO("other: " << other.dump());
        const auto e = rejects(other, schema);
        CHECK(e.path == "");
        CHECK_THAT(e.message, Contains(std::string("expected ") + type));
      }
    }
  }
  SECTION("integer means no fractional part") {
    const json schema = {{"type", "integer"}};
    CHECK(accepts(3, schema));
    CHECK(accepts(-3, schema));
    CHECK(accepts(3.0, schema));
    CHECK(accepts(json::parse("1e3"), schema));
    CHECK(accepts(std::uint64_t{18446744073709551615ULL}, schema));
    CHECK_THAT(rejects(3.5, schema).message, Equals("expected integer, got 3.5"));
    CHECK_THAT(rejects(true, schema).message, Equals("expected integer, got true"));
  }
  SECTION("type list") {
    const json schema = {{"type", {"integer", "null"}}, {"minimum", 1}};
    CHECK(accepts(nullptr, schema));
    CHECK(accepts(4, schema));
    CHECK_THAT(rejects("x", schema).message, Equals("expected integer >= 1 or null, got \"x\""));
    CHECK_THAT(rejects(0, schema).message, Equals("expected integer >= 1 or null, got 0"));
  }
  SECTION("message names the expected range and the offending value") {
    const json schema = {{"type", "integer"}, {"minimum", 1}};
    CHECK_THAT(rejects("four", schema).message, Equals("expected integer >= 1, got \"four\""));
    CHECK_THAT(rejects(json::object({{"a", 1}}), schema).message, Equals("expected integer >= 1, got an object"));
    CHECK_THAT(rejects(json::array({1, 2}), schema).message, Equals("expected integer >= 1, got an array of 2 items"));
  }
  SECTION("long strings are shortened in messages") {
    const auto e = rejects(std::string(500, 'x'), json{{"type", "integer"}});
    CHECK(e.message.size() < 100);
  }
}

TEST_CASE("schema: numeric bounds", "[schema]") {
  const json schema = {{"type", "number"}, {"minimum", 0.5}, {"maximum", 10}};
  CHECK(accepts(0.5, schema));
  CHECK(accepts(10, schema));
  CHECK(accepts(10.0, schema));
  CHECK_THAT(rejects(0.25, schema).message, Equals("expected number >= 0.5 and <= 10, got 0.25"));
  CHECK_THAT(rejects(11, schema).message, Contains("<= 10"));

  const json excl = {{"type", "integer"}, {"exclusiveMinimum", 0}, {"exclusiveMaximum", 100}};
  CHECK(accepts(1, excl));
  CHECK(accepts(99, excl));
  CHECK_THAT(rejects(0, excl).message, Equals("expected integer > 0 and < 100, got 0"));
  CHECK_THAT(rejects(100, excl).message, Contains("< 100"));

  SECTION("exact for 64-bit integers") {
    const json big = {{"maximum", std::uint64_t{18446744073709551614ULL}}};
    CHECK(accepts(std::uint64_t{18446744073709551614ULL}, big));
    CHECK_FALSE(accepts(std::uint64_t{18446744073709551615ULL}, big));
    const json neg = {{"minimum", -5}};
    CHECK(accepts(-5, neg));
    CHECK(accepts(std::uint64_t{18446744073709551615ULL}, neg));
    CHECK_FALSE(accepts(-6, neg));
    CHECK_FALSE(accepts(-5.5, neg));
    // bounds apply to numbers only
    CHECK(accepts("not a number", neg));
  }
}

TEST_CASE("schema: strings", "[schema]") {
  const json schema = {{"type", "string"}, {"minLength", 1}, {"maxLength", 3}};
  CHECK(accepts("a", schema));
  CHECK(accepts("abc", schema));
  CHECK(accepts("\xc3\xa9\xc3\xa9\xc3\xa9", schema));  // three characters, six bytes
  CHECK_THAT(rejects("", schema).message,
             Equals("expected string of at least 1 character and of at most 3 characters, got \"\""));
  CHECK_THAT(rejects("abcd", schema).message, Contains("at most 3 characters"));
}

TEST_CASE("schema: enum and const", "[schema]") {
  const json schema = {{"enum", {"fixed", "poisson"}}};
  CHECK(accepts("fixed", schema));
  CHECK(accepts("poisson", schema));
  CHECK_THAT(rejects("posson", schema).message,
             Equals("expected one of \"fixed\", \"poisson\", got \"posson\"; did you mean \"poisson\"?"));
  CHECK_THAT(rejects("gamma", schema).message, Equals("expected one of \"fixed\", \"poisson\", got \"gamma\""));
  CHECK_THAT(rejects(3, schema).message, Contains("expected one of \"fixed\", \"poisson\", got 3"));

  SECTION("typed enum reports the allowed values, not just the type") {
    const json typed = {{"type", "string"}, {"enum", {"a", "b"}}};
    CHECK_THAT(rejects(7, typed).message, Equals("expected one of \"a\", \"b\", got 7"));
  }
  SECTION("numeric enum compares numbers by value") {
    const json nums = {{"enum", {1, 2, 4}}};
    CHECK(accepts(2, nums));
    CHECK(accepts(2.0, nums));
    CHECK_FALSE(accepts(3, nums));
  }
  SECTION("const") {
    const json c = {{"const", "v1"}};
    CHECK(accepts("v1", c));
    CHECK_THAT(rejects("v2", c).message, Equals("expected \"v1\", got \"v2\"; did you mean \"v1\"?"));
    const json obj = {{"const", {{"a", 1}}}};
    CHECK(accepts(json{{"a", 1}}, obj));
    CHECK_FALSE(accepts(json{{"a", 2}}, obj));
  }
}

TEST_CASE("schema: objects", "[schema]") {
  const json schema = json::parse(R"({
    "type": "object",
    "required": ["seed"],
    "additionalProperties": false,
    "properties": {
      "seed": {"type": "integer", "minimum": 0},
      "link": {
        "type": "object",
        "additionalProperties": false,
        "properties": {"latency_ns": {"type": "number"}, "bandwidth_gbps": {"type": "number"}}
      }
    }
  })");
  CHECK(accepts(json{{"seed", 1}}, schema));
  CHECK(accepts(json{{"seed", 1}, {"link", {{"latency_ns", 100}}}}, schema));

  SECTION("missing required key: reported on the object") {
    auto e = rejects(json::object(), schema);
    CHECK(e.path == "");
    CHECK_THAT(e.message, Equals("missing required key \"seed\""));
  }
  SECTION("unknown key, with the allowed keys and a suggestion") {
    auto e = rejects(json{{"seed", 1}, {"link", {{"latncy_ns", 100}}}}, schema);
    CHECK(e.path == "/link/latncy_ns");
    CHECK_THAT(e.message,
               Equals("unknown key \"latncy_ns\" (allowed: bandwidth_gbps, latency_ns); did you mean \"latency_ns\"?"));
  }
  SECTION("unknown key without a close match") {
    auto e = rejects(json{{"seed", 1}, {"colour", "red"}}, schema);
    CHECK(e.path == "/colour");
    CHECK_THAT(e.message, Equals("unknown key \"colour\" (allowed: link, seed)"));
  }
  SECTION("a typo of a required key: the unknown key is reported, with the suggestion") {
    auto e = rejects(json{{"sede", 1}}, schema);
    CHECK(e.path == "/sede");
    CHECK_THAT(e.message, Contains("did you mean \"seed\"?"));
  }
  SECTION("a suggestion is never a key that is already present") {
    const json s2 = {{"additionalProperties", false}, {"properties", {{"abc", true}, {"abd", true}}}};
    auto e = rejects(json{{"abc", 1}, {"abx", 1}}, s2);
    CHECK_THAT(e.message, Contains("did you mean \"abd\"?"));
  }
  SECTION("wrong value type inside a nested object") {
    auto e = rejects(json{{"seed", 1}, {"link", {{"bandwidth_gbps", "fast"}}}}, schema);
    CHECK(e.path == "/link/bandwidth_gbps");
    CHECK_THAT(e.message, Equals("expected number, got \"fast\""));
  }
  SECTION("additionalProperties as a schema") {
    const json map = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
    CHECK(accepts(json{{"a", 1}, {"b", 2}}, map));
    auto e = rejects(json{{"a", 1}, {"b", "two"}}, map);
    CHECK(e.path == "/b");
    CHECK_THAT(e.message, Contains("expected integer"));
  }
  SECTION("additionalProperties absent: extra keys are fine") {
    CHECK(accepts(json{{"anything", 1}}, json{{"type", "object"}, {"properties", {{"x", {{"type", "string"}}}}}}));
  }
  SECTION("no keys allowed at all") {
    auto e = rejects(json{{"x", 1}}, json{{"type", "object"}, {"additionalProperties", false}});
    CHECK_THAT(e.message, Contains("no keys are allowed here"));
  }
}

TEST_CASE("schema: arrays and nested paths", "[schema]") {
  const json schema = json::parse(R"({
    "type": "object",
    "properties": {
      "topology": {
        "type": "object",
        "properties": {
          "nodes": {
            "type": "array", "minItems": 1, "maxItems": 8,
            "items": {
              "type": "object",
              "required": ["kind"],
              "properties": {
                "kind": {"enum": ["cpu", "device"]},
                "ports": {"type": "array", "items": {"type": "integer", "minimum": 0}}
              }
            }
          }
        }
      }
    }
  })");
  const json good = json::parse(R"({"topology": {"nodes": [{"kind": "cpu"}, {"kind": "device", "ports": [0, 1]}]}})");
  CHECK(accepts(good, schema));

  SECTION("path into an array of objects") {
    json doc = good;
    doc["topology"]["nodes"].push_back({{"kind", "cpu"}});
    doc["topology"]["nodes"].push_back({{"kind", "gpu"}});
    auto e = rejects(doc, schema);
    CHECK(e.path == "/topology/nodes/3/kind");
    CHECK_THAT(e.message, Contains("expected one of \"cpu\", \"device\", got \"gpu\""));
  }
  SECTION("path into an array nested in an array element") {
    json doc = good;
    doc["topology"]["nodes"][1]["ports"][1] = -1;
    auto e = rejects(doc, schema);
    CHECK(e.path == "/topology/nodes/1/ports/1");
    CHECK_THAT(e.message, Equals("expected integer >= 0, got -1"));
  }
  SECTION("missing key in an array element") {
    json doc = good;
    doc["topology"]["nodes"][0] = json::object();
    auto e = rejects(doc, schema);
    CHECK(e.path == "/topology/nodes/0");
    CHECK_THAT(e.message, Contains("missing required key \"kind\""));
  }
  SECTION("minItems / maxItems") {
    json doc = good;
    doc["topology"]["nodes"] = json::array();
    auto e = rejects(doc, schema);
    CHECK(e.path == "/topology/nodes");
    CHECK_THAT(e.message, Equals("expected array with at least 1 item and with at most 8 items, got an array of 0 items"));
    doc["topology"]["nodes"] = json::array();
    for (int i = 0; i < 9; ++i) doc["topology"]["nodes"].push_back({{"kind", "cpu"}});
    CHECK_THAT(rejects(doc, schema).message, Contains("got an array of 9 items"));
  }
  SECTION("uniqueItems") {
    const json u = {{"type", "array"}, {"uniqueItems", true}};
    CHECK(accepts(json{1, 2, 3}, u));
    auto e = rejects(json{1, 2, 1}, u);
    CHECK(e.path == "/2");
    CHECK_THAT(e.message, Contains("duplicate"));
  }
}

TEST_CASE("schema: JSON Pointer escaping", "[schema]") {
  const json schema = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
  CHECK(rejects(json{{"a/b", "x"}}, schema).path == "/a~1b");
  CHECK(rejects(json{{"m~n", "x"}}, schema).path == "/m~0n");
  CHECK(rejects(json{{"~/", "x"}}, schema).path == "/~0~1");
  const json nested = {{"type", "object"}, {"additionalProperties", schema}};
  CHECK(rejects(json{{"x/y", {{"p~q", "x"}}}}, nested).path == "/x~1y/p~0q");
}

TEST_CASE("schema: $ref", "[schema]") {
  const json schema = json::parse(R"({
    "$defs": {"count": {"type": "integer", "minimum": 1}},
    "definitions": {"name": {"type": "string", "minLength": 1}},
    "type": "object",
    "properties": {
      "n": {"$ref": "#/$defs/count", "description": "how many"},
      "who": {"$ref": "#/definitions/name"},
      "list": {"type": "array", "items": {"$ref": "#/$defs/count"}}
    }
  })");
  CHECK(accepts(json{{"n", 2}, {"who", "me"}, {"list", {1, 2}}}, schema));
  auto e = rejects(json{{"n", "four"}}, schema);
  CHECK(e.path == "/n");
  CHECK_THAT(e.message, Equals("expected integer >= 1, got \"four\""));
  CHECK(rejects(json{{"who", ""}}, schema).path == "/who");
  CHECK(rejects(json{{"list", {1, 0}}}, schema).path == "/list/1");

  SECTION("recursive definitions") {
    const json tree = json::parse(R"({
      "$defs": {"node": {"type": "object", "additionalProperties": false,
                         "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
      "$ref": "#/$defs/node"
    })");
    CHECK(accepts(json::parse(R"({"v": 1, "kids": [{"v": 2, "kids": [{"v": 3}]}]})"), tree));
    auto e2 = rejects(json::parse(R"({"v": 1, "kids": [{"v": 2, "kids": [{"v": "3"}]}]})"), tree);
    CHECK(e2.path == "/kids/0/kids/0/v");
  }
}

TEST_CASE("schema: oneOf / anyOf report the deepest error", "[schema]") {
  const json schema = json::parse(R"({
    "$defs": {
      "fixed": {"type": "object", "additionalProperties": false, "required": ["kind", "interval_ns"],
                "properties": {"kind": {"const": "fixed"}, "interval_ns": {"type": "integer", "minimum": 1}}},
      "poisson": {"type": "object", "additionalProperties": false, "required": ["kind", "mean_ns"],
                  "properties": {"kind": {"const": "poisson"}, "mean_ns": {"type": "number", "exclusiveMinimum": 0},
                                 "burst": {"type": "object", "additionalProperties": false,
                                           "properties": {"size": {"type": "integer"}, "gap_ns": {"type": "integer"}}}}}
    },
    "type": "object",
    "properties": {"arrivals": {"type": "array", "items": {"oneOf": [{"$ref": "#/$defs/fixed"}, {"$ref": "#/$defs/poisson"}]}}}
  })");
  auto doc = [](const char* item) { return json::parse(std::string(R"({"arrivals": [{"kind": "fixed", "interval_ns": 5}, )") + item + "]}"); };
  CHECK(accepts(doc(R"({"kind": "poisson", "mean_ns": 2.5})"), schema));
  CHECK(accepts(doc(R"({"kind": "poisson", "mean_ns": 2.5, "burst": {"size": 4}})"), schema));

  SECTION("typo inside the matching branch gives the precise path") {
    auto e = rejects(doc(R"({"kind": "poisson", "mean_ns": 2.5, "burst": {"sise": 4}})"), schema);
    CHECK(e.path == "/arrivals/1/burst/sise");
    CHECK_THAT(e.message, Contains("unknown key \"sise\""));
    CHECK_THAT(e.message, Contains("did you mean \"size\"?"));
  }
  SECTION("bad value in the branch selected by the discriminator, even when it sorts before it") {
    auto e = rejects(doc(R"({"kind": "poisson", "mean_ns": "fast"})"), schema);
    CHECK(e.path == "/arrivals/1/mean_ns");
    CHECK_THAT(e.message, Equals("expected number > 0, got \"fast\""));
  }
  SECTION("missing key in the branch selected by the discriminator") {
    auto e = rejects(doc(R"({"kind": "poisson"})"), schema);
    CHECK(e.path == "/arrivals/1");
    CHECK_THAT(e.message, Equals("missing required key \"mean_ns\""));
  }
  SECTION("unknown key in the branch selected by the discriminator") {
    auto e = rejects(doc(R"({"kind": "poisson", "mean_ns": 1, "men_ns": 1})"), schema);
    CHECK(e.path == "/arrivals/1/men_ns");
    CHECK_THAT(e.message, Contains("unknown key \"men_ns\" (allowed: burst, kind, mean_ns)"));
  }
  SECTION("a misspelt discriminator lists every alternative") {
    auto e = rejects(doc(R"({"kind": "posson", "mean_ns": 1})"), schema);
    CHECK(e.path == "/arrivals/1/kind");
    CHECK_THAT(e.message, Equals("expected one of \"fixed\", \"poisson\", got \"posson\"; did you mean \"poisson\"?"));
  }
  SECTION("not an object at all") {
    auto e = rejects(doc("42"), schema);
    CHECK(e.path == "/arrivals/1");
    CHECK_THAT(e.message, Equals("expected object, got 42"));
  }
  SECTION("ambiguous oneOf") {
    const json amb = {{"oneOf", {{{"type", "integer"}}, {{"type", "number"}}}}};
    CHECK(accepts(1.5, amb));
    auto e = rejects(1, amb);
    CHECK_THAT(e.message, Contains("matches alternatives 1 and 2"));
  }
  SECTION("scalar alternatives are merged into one expectation") {
    const json alt = {{"oneOf", {{{"type", "integer"}, {"minimum", 1}}, {{"enum", {"auto"}}}}}};
    CHECK(accepts(3, alt));
    CHECK(accepts("auto", alt));
    CHECK_THAT(rejects("x", alt).message, Equals("expected integer >= 1 or \"auto\", got \"x\""));
    CHECK_THAT(rejects(0, alt).message, Equals("expected integer >= 1 or \"auto\", got 0"));
    CHECK_THAT(rejects("aut", alt).message, Contains("did you mean \"auto\"?"));
  }
  SECTION("anyOf accepts several matches and reports like oneOf") {
    const json any = {{"anyOf", {{{"type", "integer"}}, {{"type", "number"}, {"minimum", 0}}}}};
    CHECK(accepts(1, any));
    CHECK(accepts(0.5, any));
    CHECK_THAT(rejects(-0.5, any).message, Equals("expected integer or number >= 0, got -0.5"));
    const json objs = json::parse(R"({"anyOf": [
      {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}}},
      {"type": "string"}]})");
    auto e = rejects(json::parse(R"({"a": {"b": 1}})"), objs);
    CHECK(e.path == "/a/b");
  }
  SECTION("allOf") {
    const json all = {{"allOf", {{{"type", "integer"}}, {{"minimum", 5}}}}};
    CHECK(accepts(5, all));
    CHECK_THAT(rejects(4, all).message, Equals("expected number >= 5, got 4"));
  }
}

TEST_CASE("schema: oneOf whose branches differ by which key is present", "[schema]") {
  const json schema = json::parse(R"({"oneOf": [
    {"type": "object", "additionalProperties": false, "required": ["periodic_us"],
     "properties": {"periodic_us": {"type": "number", "exclusiveMinimum": 0}, "start_us": {"type": "number", "minimum": 0}}},
    {"type": "object", "additionalProperties": false, "required": ["poisson_per_ms"],
     "properties": {"poisson_per_ms": {"type": "number", "exclusiveMinimum": 0}, "start_us": {"type": "number", "minimum": 0}}},
    {"type": "object", "additionalProperties": false, "required": ["at_us"],
     "properties": {"at_us": {"type": "array", "minItems": 1, "items": {"type": "number", "minimum": 0}}}}
  ]})");
  CHECK(accepts(json{{"periodic_us", 5}}, schema));
  CHECK(accepts(json{{"poisson_per_ms", 5}, {"start_us", 1}}, schema));
  CHECK(accepts(json{{"at_us", {1, 2}}}, schema));

  SECTION("bad value of a key only one branch knows: that branch's error") {
    auto e = rejects(json{{"poisson_per_ms", "x"}}, schema);
    CHECK(e.path == "/poisson_per_ms");
    CHECK_THAT(e.message, Equals("expected number > 0, got \"x\""));
    auto e2 = rejects(json{{"at_us", {1, "x"}}}, schema);
    CHECK(e2.path == "/at_us/1");
  }
  SECTION("misspelt key: the allowed keys of all branches, with a suggestion") {
    auto e = rejects(json{{"posson_per_ms", 10}}, schema);
    CHECK(e.path == "/posson_per_ms");
    CHECK_THAT(e.message, Equals("unknown key \"posson_per_ms\" (allowed: at_us, periodic_us, poisson_per_ms, start_us); "
                                 "did you mean \"poisson_per_ms\"?"));
  }
  SECTION("no distinguishing key: every alternative is named") {
    auto e = rejects(json::object(), schema);
    CHECK(e.path == "");
    CHECK_THAT(e.message, Equals("missing required key \"periodic_us\", \"poisson_per_ms\" or \"at_us\""));
    auto e2 = rejects(json{{"start_us", 5}}, schema);
    CHECK_THAT(e2.message, Equals("missing required key \"periodic_us\" or \"poisson_per_ms\""));
  }
  SECTION("bad value of a key shared by the branches") {
    auto e = rejects(json{{"poisson_per_ms", 1}, {"start_us", -1}}, schema);
    CHECK(e.path == "/start_us");
    CHECK_THAT(e.message, Equals("expected number >= 0, got -1"));
  }
}

TEST_CASE("schema: boolean schemas and annotations", "[schema]") {
  CHECK(accepts(json{{"x", 1}}, json(true)));
  auto e = rejects(json{{"x", 1}}, json{{"properties", {{"x", false}}}});
  CHECK(e.path == "/x");
  CHECK_THAT(e.message, Contains("no value is allowed"));
  const json annotated = json::parse(R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x",
    "title": "t", "description": "d", "$comment": "c", "default": 1, "examples": [1], "type": "integer"})");
  CHECK(accepts(1, annotated));
}

TEST_CASE("schema: problems in the schema itself are logic errors, not input errors", "[schema]") {
  CHECK_THROWS_AS(check_against_schema(1, json{{"pattern", "^a"}}), std::logic_error);
  CHECK_THROWS_AS(check_against_schema(1, json{{"$ref", "#/$defs/missing"}}), std::logic_error);
  CHECK_THROWS_AS(check_against_schema(1, json{{"type", "float"}}), std::logic_error);
  CHECK_THROWS_AS(check_against_schema(1, json{{"oneOf", json::array()}}), std::logic_error);
  // even in a part of the schema the document never reaches
  CHECK_THROWS_AS(check_against_schema(1, json{{"properties", {{"a", {{"patternProperties", json::object()}}}}}}),
                  std::logic_error);
  try {
    check_against_schema(1, json{{"properties", {{"a", {{"maxProperties", 3}}}}}});
    FAIL("no exception");
  } catch (const svasim::InputError&) {
    FAIL("schema bug reported as an input error");
  } catch (const std::logic_error& e) {
    CHECK_THAT(e.what(), Contains("#/properties/a/maxProperties"));
    CHECK_THAT(e.what(), Contains("unsupported keyword"));
  }
}

TEST_CASE("schema: the scenario and sweep schemas use only what the checker supports", "[schema]") {
  // The hand-written schemas and the generated ones shipped for editors.
  for (const char* file : {"/core/schema/scenario.json", "/core/schema/sweep.json", "/scenarios/scenario.schema.json",
                           "/scenarios/sweep.schema.json"}) {
    INFO(file);
    std::ifstream in(std::string(SVASIM_SOURCE_DIR) + file);
    REQUIRE(in);
    const json schema = json::parse(in);
    try {
      check_against_schema(json::object(), schema);  // lints the whole schema first
    } catch (const svasim::InputError&) {
      // an empty document may well be invalid; only std::logic_error (a schema bug) matters here
    }
  }
}
