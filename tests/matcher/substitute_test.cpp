#include "matcher/substitute.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

namespace flecto {
namespace {

// Substitutes `target` after matching `pattern` on `input`.
std::string resolve(const char* pattern, const char* input, const char* target) {
  RE2 re(pattern);
  REQUIRE(re.ok());
  int n = std::min(re.NumberOfCapturingGroups(), 9);
  re2::StringPiece groups[10];
  REQUIRE(re.Match(input, 0, std::strlen(input), RE2::UNANCHORED, groups, n + 1));
  return substitute(target, groups, n);
}

TEST_CASE("substitute: $1..$9 from groups", "[matcher][substitute]") {
  CHECK(resolve("^/blog/([0-9]+)/(.*)$", "/blog/123/my-post", "/articles/$1/$2") ==
        "/articles/123/my-post");
  CHECK(resolve("/(a)(b)(c)(d)(e)(f)(g)(h)(i)", "/abcdefghi", "$9$8$7$6$5$4$3$2$1") == "ihgfedcba");
}

TEST_CASE("substitute: what stays literal", "[matcher][substitute]") {
  CHECK(resolve("/(x)", "/x", "/$0") == "/$0");
  CHECK(resolve("/(x)", "/x", "/$a$") == "/$a$");
  CHECK(resolve("/(x)", "/x", "/$2") == "/$2");
  CHECK(resolve("/(x)", "/x", "$$1") == "$x");
  CHECK(resolve("/x", "/x", "/$1") == "/$1");
}

TEST_CASE("substitute: $10 is group 1 then 0", "[matcher][substitute]") {
  CHECK(resolve("/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "/abcdefghij", "$10") == "a0");
}

TEST_CASE("substitute: a group that took no part gives empty", "[matcher][substitute]") {
  CHECK(resolve("/(a)|/(b)", "/b", "[$1][$2]") == "[][b]");
  CHECK(resolve("/x(y)?", "/x", "[$1]") == "[]");
}

TEST_CASE("substitute: one pass, captured text is not rescanned", "[matcher][substitute]") {
  CHECK(resolve("^/r/([^/]*)/(.*)$", "/r/a/$1", "/$1/$2") == "/a/$1");
  CHECK(resolve("^/r/([^/]*)/(.*)$", "/r/$2/b", "/$1/$2") == "/$2/b");
}

}  // namespace
}  // namespace flecto
