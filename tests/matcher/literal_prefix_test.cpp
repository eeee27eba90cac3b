#include "matcher/literal_prefix.hpp"

#include <catch2/catch.hpp>

namespace flecto {
namespace {

std::string prefix(std::string_view source) {
  std::optional<std::string> p = literal_prefix(source);
  REQUIRE(p.has_value());
  return *p;
}

TEST_CASE("literal prefix: the examples of matching.md", "[matcher][prefix]") {
  CHECK(prefix("^/blog/([0-9]+)/(.*)$") == "/blog/");
  CHECK(prefix("/file.txt") == "/file");
  CHECK(prefix("/old|/legacy") == "/");
  CHECK(prefix(".*\\.html") == "");
  std::string ci = prefix("(?i)/about");
  CHECK((ci == "" || ci == "/"));
  CHECK(prefix("^/(blog/[0-9]+)/comments") == "/blog/");
}

TEST_CASE("literal prefix: one leading ^ is dropped, anchors add nothing", "[matcher][prefix]") {
  CHECK(prefix("^/foo") == "/foo");
  CHECK(prefix("^^/foo") == "/foo");
  CHECK(prefix("/foo$") == "/foo");
  CHECK(prefix("(?m)^/foo") == "/foo");
  CHECK(prefix("\\A/x") == "/x");
}

TEST_CASE("literal prefix: repetition and optional parts", "[matcher][prefix]") {
  CHECK(prefix("/ab+") == "/ab");
  CHECK(prefix("/a+b") == "/a");
  CHECK(prefix("/a*b") == "/");
  CHECK(prefix("x*/foo") == "");
  CHECK(prefix("(?:/[a-z]+)?") == "");
  CHECK(prefix("(www\\.)?example\\.com/(.*)") == "");
  CHECK(prefix("example\\.com/(.*)") == "example.com/");
  CHECK(prefix("/a[0-9]") == "/a");
  CHECK(prefix("/(old|older)/x") == "/old");
}

TEST_CASE("literal prefix: long prefixes are never cut short", "[matcher][prefix]") {
  CHECK(prefix("a{1000}") == std::string(1000, 'a'));
  std::string long_literal = "/" + std::string(5000, 'x') + "/(.*)";
  CHECK(prefix(long_literal) == "/" + std::string(5000, 'x') + "/");
}

TEST_CASE("literal prefix: case folding leaves whole characters only", "[matcher][prefix]") {
  // "É" and "é" share their first byte; a partial character is not text.
  CHECK(prefix("(?i)/\xC3\xA9t\xC3\xA9") == "/");
  CHECK(prefix("/\xC3\xA9t\xC3\xA9") == "/\xC3\xA9t\xC3\xA9");
}

TEST_CASE("literal prefix: an invalid pattern has none", "[matcher][prefix]") {
  CHECK_FALSE(literal_prefix("/(unclosed").has_value());
  CHECK_FALSE(literal_prefix("/a{2,1}").has_value());
}

}  // namespace
}  // namespace flecto
