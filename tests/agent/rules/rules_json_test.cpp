#include <catch2/catch.hpp>

#include "agent/rules/rules_json.hpp"

using flecto::JsonShapeError;
using flecto::parse_rules_json;

TEST_CASE("rules file: keys in any case, unknown keys ignored") {
  auto rules = parse_rules_json(R"({"Version": 7, "Extra": {"a": [1]},
    "REDIRECTS": [{"Type": "BASIC", "SOURCE": "/a", "target": "/b", "Status": "FOUND", "id": 4}],
    "pages": [{"type": "BASIC", "path": "/robots.txt", "ContentType": "TEXT_PLAIN", "content": "x"}]})");
  CHECK(rules.version == 7);
  REQUIRE(rules.redirects.size() == 1);
  CHECK(rules.redirects[0] == flecto::Redirect{"BASIC", "/a", "/b", "FOUND"});
  REQUIRE(rules.pages.size() == 1);
  CHECK(rules.pages[0] == flecto::Page{"BASIC", "/robots.txt", "x", "TEXT_PLAIN"});
}

TEST_CASE("rules file: missing and null fields are empty, the version may be a string") {
  auto rules = parse_rules_json(R"({"version": "12", "redirects": [{"type": "REGEX", "target": null}]})");
  CHECK(rules.version == 12);
  REQUIRE(rules.redirects.size() == 1);
  CHECK(rules.redirects[0] == flecto::Redirect{"REGEX", "", "", ""});
  CHECK(rules.pages.empty());
}

TEST_CASE("rules file: round trip keeps every byte") {
  flecto::Rules rules;
  rules.version = 42;
  rules.redirects.push_back({"REGEX", "^/a\\\"b/(.*)$", "/c/$1\n\t\x01", "PERMANENT_REDIRECT"});
  rules.redirects.push_back({"UNKNOWN", "", "é漢", "GONE"});
  rules.pages.push_back({"BASIC_HOST", "example.com/sitemap.xml", std::string("<a>\0</a>", 8), "XML"});
  CHECK(parse_rules_json(flecto::rules_to_json(rules)) == rules);
}

TEST_CASE("rules file: wrong types name the offending value") {
  REQUIRE_THROWS_WITH(parse_rules_json(R"({"redirects": [{"source": 5}]})"),
                      Catch::Contains("redirects[0].source: expected a string"));
  REQUIRE_THROWS_WITH(parse_rules_json(R"({"redirects": {"source": "/a"}})"),
                      Catch::Contains("redirects: expected an array"));
  REQUIRE_THROWS_WITH(parse_rules_json(R"({"pages": [1]})"), Catch::Contains("pages[0]: expected an object"));
  REQUIRE_THROWS_WITH(parse_rules_json(R"({"version": -1})"), Catch::Contains("version"));
  REQUIRE_THROWS_WITH(parse_rules_json(R"([])"), Catch::Contains("object"));
}

TEST_CASE("rules file: malformed JSON names a line and column") {
  REQUIRE_THROWS_AS(parse_rules_json("{\"version\": 1,\n \"redirects\": [{\"source\": }]}"), JsonShapeError);
  REQUIRE_THROWS_WITH(parse_rules_json("{\"version\": 1,\n \"redirects\": [{\"source\": }]}"),
                      Catch::Contains("line 2"));
  REQUIRE_THROWS_AS(parse_rules_json(""), JsonShapeError);
  REQUIRE_THROWS_AS(parse_rules_json("{\"version\": 1"), JsonShapeError);
  REQUIRE_THROWS_AS(parse_rules_json("{\"version\": 1} x"), JsonShapeError);
  REQUIRE_THROWS_AS(parse_rules_json("{\"redirects\": [\"\xff\"]}"), JsonShapeError);
}

TEST_CASE("rules file: an unreadable file names the file") {
  REQUIRE_THROWS_WITH(flecto::read_rules_file("/nonexistent/rules.json"),
                      Catch::StartsWith("/nonexistent/rules.json: "));
}

TEST_CASE("key_equals ignores ASCII case only") {
  CHECK(flecto::key_equals("ContentType", "contenttype"));
  CHECK_FALSE(flecto::key_equals("contentType ", "contentType"));
  CHECK_FALSE(flecto::key_equals("type", "typf"));
}

TEST_CASE("rules file: a duplicate key is the last one, deep nesting and invalid UTF-8 are errors") {
  flecto::Rules rules = flecto::parse_rules_json(
      R"({"version":1,"version":2,"redirects":[{"source":"/a"}],"redirects":[{"source":"/b","source":"/c"}]})");
  CHECK(rules.version == 2);
  REQUIRE(rules.redirects.size() == 1);
  CHECK(rules.redirects[0].source == "/c");
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  CHECK_THROWS_AS(flecto::parse_rules_json(deep), flecto::JsonShapeError);
  CHECK_THROWS_AS(flecto::parse_rules_json(R"({"redirects":[{"x":)" + deep + "}]}"), flecto::JsonShapeError);
  CHECK_THROWS_WITH(flecto::parse_rules_json("{\"redirects\":[{\"source\":\"/\xff\"}]}"), Catch::Contains("UTF-8"));
}

TEST_CASE("shorten_utf8 never splits a character") {
  CHECK(flecto::shorten_utf8("abc", 3) == "abc");
  CHECK(flecto::shorten_utf8("abcd", 3) == "abc...");
  CHECK(flecto::shorten_utf8("a\xc3\xa9z", 2) == "a...");            // é is 2 bytes
  CHECK(flecto::shorten_utf8("a\xe2\x82\xac", 3) == "a...");         // € is 3 bytes
  CHECK(flecto::shorten_utf8("a\xe2\x82\xac" "b", 4) == "a\xe2\x82\xac...");
  CHECK(flecto::shorten_utf8("\xf0\x9f\x98\x80", 2) == "...");       // an emoji is 4
}
