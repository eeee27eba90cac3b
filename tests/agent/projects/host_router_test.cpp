#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>

#include "agent/projects/host_router.hpp"

using flecto::host_pattern_problem;
using flecto::host_without_port;
using flecto::HostRouter;
using flecto::normalize_host;

namespace {

std::string normalized_view(std::string_view host) {
  flecto::HostBuffer buffer;
  return std::string(normalize_host(host, true, buffer));
}

}  // namespace

TEST_CASE("host router: the port is removed, IPv6 literals kept whole") {
  CHECK(host_without_port("example.com:8080") == "example.com");
  CHECK(host_without_port("example.com") == "example.com");
  CHECK(host_without_port("127.0.0.1:80") == "127.0.0.1");
  CHECK(host_without_port("[::1]:8080") == "[::1]");
  CHECK(host_without_port("[::1]") == "[::1]");
  CHECK(host_without_port("[2001:db8::1]:443") == "[2001:db8::1]");
  CHECK(host_without_port("[::1]:") == "[::1]");
  CHECK(host_without_port("example.com:") == "example.com");
  CHECK(host_without_port(":8080").empty());
  CHECK(host_without_port("").empty());
  // Not a Host header: kept as it is (Traefik's split on ':' would give "").
  CHECK(host_without_port("::1") == "::1");
  CHECK(host_without_port("2001:db8::1") == "2001:db8::1");
  CHECK(host_without_port("[::1") == "[::1");
  CHECK(host_without_port("[::1]x") == "[::1]x");
}

TEST_CASE("host router: hosts are normalized for case and one trailing dot") {
  CHECK(normalize_host("Example.COM", false) == "example.com");
  CHECK(normalize_host("example.com.", false) == "example.com");
  CHECK(normalize_host("WWW.Example.com.:443", true) == "www.example.com");
  CHECK(normalize_host("example.com:8080", false) == "example.com:8080");
  CHECK(normalize_host("[2001:DB8::1]:443", true) == "[2001:db8::1]");
  CHECK(normalize_host("example.com..", false) == "example.com.");
  CHECK(normalize_host(".", false).empty());
  // Only A-Z fold: other bytes stay as they are.
  CHECK(normalize_host("caf\xC3\x89.example", false) == "caf\xC3\x89.example");

  CHECK(normalized_view("WWW.Example.com.:443") == "www.example.com");
  CHECK(normalized_view("") == "");
  const std::string longest(flecto::kMaxHostLength, 'A');
  CHECK(normalized_view(longest) == std::string(flecto::kMaxHostLength, 'a'));
  CHECK(normalized_view(longest + ".:8080") == std::string(flecto::kMaxHostLength, 'a'));
  CHECK(normalized_view(longest + "a").empty());
  // The string form has no length limit.
  CHECK(normalize_host(longest + "a", true).size() == flecto::kMaxHostLength + 1);
}

TEST_CASE("host router: exact hosts match without regard to port, case or a trailing dot") {
  const HostRouter router({{"example.com", 0}, {"127.0.0.1", 1}, {"[::1]", 2}, {"[2001:db8::1]", 3}});
  CHECK(router.route("example.com") == 0u);
  CHECK(router.route("example.com:8080") == 0u);
  CHECK(router.route("Example.COM") == 0u);
  CHECK(router.route("EXAMPLE.com.") == 0u);
  CHECK(router.route("example.com.:443") == 0u);
  CHECK(router.route("example.com:") == 0u);
  CHECK(router.route("127.0.0.1:8080") == 1u);
  CHECK(router.route("[::1]:8080") == 2u);
  CHECK(router.route("[::1]") == 2u);
  CHECK(router.route("[2001:db8::1]:443") == 3u);
  CHECK(router.route("[2001:DB8::1]") == 3u);
  CHECK(router.route("www.example.com") == std::nullopt);
  CHECK(router.route("example.co") == std::nullopt);
  CHECK(router.route("example.com.evil") == std::nullopt);
  CHECK(router.route("::1") == std::nullopt);  // brackets are part of an IPv6 Host
  CHECK(router.route(":8080") == std::nullopt);
  CHECK(router.route("") == std::nullopt);
}

TEST_CASE("host router: a wildcard is one label or more before its base, never the base") {
  const HostRouter router({{"*.example.com", 7}});
  CHECK(router.route("a.example.com") == 7u);
  CHECK(router.route("a.b.example.com") == 7u);
  CHECK(router.route("A.Example.Com.:8080") == 7u);
  CHECK(router.route("example.com") == std::nullopt);
  CHECK(router.route("example.com:80") == std::nullopt);
  CHECK(router.route("aexample.com") == std::nullopt);
  CHECK(router.route(".example.com") == std::nullopt);
  CHECK(router.route("a..example.com") == std::nullopt);
  CHECK(router.route("example.com.org") == std::nullopt);
  CHECK(router.route("com") == std::nullopt);
}

TEST_CASE("host router: exact beats wildcard, a longer wildcard beats a shorter one") {
  const HostRouter router({{"*.example.com", 1},
                           {"*.b.example.com", 2},
                           {"a.b.example.com", 3},
                           {"example.com", 4},
                           {"*.com", 5}});
  CHECK(router.route("a.b.example.com") == 3u);
  CHECK(router.route("x.b.example.com") == 2u);
  CHECK(router.route("x.y.b.example.com") == 2u);
  CHECK(router.route("b.example.com") == 1u);  // *.b.example.com is not its own base
  CHECK(router.route("c.example.com") == 1u);
  CHECK(router.route("example.com") == 4u);
  CHECK(router.route("other.com") == 5u);
  CHECK(router.route("x.other.com") == 5u);
  CHECK(router.route("com") == std::nullopt);

  // The order of the list changes nothing.
  const HostRouter reversed({{"*.com", 5}, {"example.com", 4}, {"a.b.example.com", 3},
                             {"*.b.example.com", 2}, {"*.example.com", 1}});
  for (const char* host : {"a.b.example.com", "x.b.example.com", "b.example.com", "example.com", "other.com"}) {
    CHECK(reversed.route(host) == router.route(host));
  }
}

TEST_CASE("host router: no match gives the default project when there is one") {
  const HostRouter with_default({{"example.com", 0}, {"*.shop.example", 1}}, 2);
  CHECK(with_default.route("example.com") == 0u);
  CHECK(with_default.route("a.shop.example") == 1u);
  CHECK(with_default.route("other.org") == 2u);
  CHECK(with_default.route("shop.example") == 2u);
  CHECK(with_default.route("") == 2u);
  CHECK(with_default.route(":80") == 2u);
  CHECK(with_default.default_project() == 2u);

  const HostRouter without_default({{"example.com", 0}});
  CHECK(without_default.route("other.org") == std::nullopt);
  CHECK(without_default.default_project() == std::nullopt);

  const HostRouter only_default({}, 0);
  CHECK(only_default.route("anything.example") == 0u);

  const HostRouter empty;
  CHECK(empty.route("example.com") == std::nullopt);
}

TEST_CASE("host router: a Host longer than 255 bytes is no known host") {
  std::string label(63, 'a');
  std::string host = label + "." + label + "." + label + "." + std::string(59, 'b') + ".com";  // 255 bytes
  REQUIRE(host.size() == flecto::kMaxHostLength);
  const HostRouter router({{host, 0}, {"*.com", 1}}, 9);
  CHECK(router.route(host) == 0u);
  CHECK(router.route(host + ".:8080") == 0u);
  CHECK(router.route("x" + host) == 9u);  // 256 bytes: not even *.com
  CHECK(router.route(std::string(100000, 'a') + ".com") == 9u);
  CHECK_THROWS_WITH(HostRouter({{"x" + host, 0}}), Catch::Contains("256 bytes; a host name has at most 255"));
}

TEST_CASE("host router: odd bytes in a Host match nothing and break nothing") {
  const HostRouter router({{"example.com", 0}, {"*.example.com", 1}}, 2);
  CHECK(router.route(std::string("example.com\0", 12)) == 2u);
  CHECK(router.route(std::string("a\0.example.com", 14)) == 1u);  // the label is not checked
  CHECK(router.route("caf\xC3\xA9.example.com") == 1u);
  CHECK(router.route("\xFF\xFE") == 2u);
  CHECK(router.route("example.com:8080:9090") == 2u);  // two colons: kept as it is
  CHECK(router.route("[example.com]") == 2u);
  CHECK(router.route("...") == 2u);
  CHECK(router.route(".") == 2u);
  CHECK(router.route("*.example.com") == 1u);  // "*" is one more label
}

TEST_CASE("host router: malformed patterns are refused, named") {
  CHECK(host_pattern_problem("example.com").empty());
  CHECK(host_pattern_problem("Example.COM.").empty());
  CHECK(host_pattern_problem("*.example.com").empty());
  CHECK(host_pattern_problem("localhost").empty());
  CHECK(host_pattern_problem("xn--caf-dma.example").empty());
  CHECK(host_pattern_problem("my_host-1.example").empty());
  CHECK(host_pattern_problem("127.0.0.1").empty());
  CHECK(host_pattern_problem("[::1]").empty());
  CHECK(host_pattern_problem("[2001:DB8::1]").empty());
  CHECK(host_pattern_problem("[::ffff:192.0.2.1]").empty());

  CHECK(host_pattern_problem("") == "host \"\": empty host");
  CHECK(host_pattern_problem(".") == "host \".\": empty host");
  CHECK(host_pattern_problem("ex*ample.com") ==
        "host \"ex*ample.com\": '*' is only allowed as a whole first label (\"*.example.com\")");
  CHECK_THAT(host_pattern_problem("*"), Catch::Contains("a wildcard needs a domain"));
  CHECK_THAT(host_pattern_problem("*.*.example.com"), Catch::Contains("'*'"));
  CHECK_THAT(host_pattern_problem("a.*.example.com"), Catch::Contains("'*'"));
  CHECK_THAT(host_pattern_problem("*example.com"), Catch::Contains("'*'"));
  CHECK(host_pattern_problem("*.") == "host \"*.\": a wildcard needs a domain after \"*.\" (\"*.example.com\")");
  CHECK_THAT(host_pattern_problem("example.com:8080"), Catch::Contains("no port"));
  CHECK_THAT(host_pattern_problem("[::1]:8080"), Catch::Contains("IPv6"));
  CHECK_THAT(host_pattern_problem("::1"), Catch::Contains("no port"));
  CHECK_THAT(host_pattern_problem("[]"), Catch::Contains("IPv6"));
  CHECK_THAT(host_pattern_problem("[example.com]"), Catch::Contains("IPv6"));
  CHECK_THAT(host_pattern_problem("a..example.com"), Catch::Contains("empty label"));
  CHECK_THAT(host_pattern_problem(".example.com"), Catch::Contains("empty label"));
  CHECK_THAT(host_pattern_problem("example.com.."), Catch::Contains("empty label"));
  CHECK(host_pattern_problem("a b.com") ==
        "host \"a b.com\": byte \" \" is not allowed (letters, digits, '-', '_' and dots; \"xn--\" for other names)");
  CHECK_THAT(host_pattern_problem("caf\xC3\xA9.example"), Catch::Contains("\"caf\\xc3\\xa9.example\""));
  CHECK_THAT(host_pattern_problem(std::string("a\0b.com", 7)), Catch::Contains("\"a\\x00b.com\""));
  CHECK_THAT(host_pattern_problem("a/b.com"), Catch::Contains("not allowed"));

  CHECK_THROWS_AS(HostRouter({{"", 0}}), std::invalid_argument);
  CHECK_THROWS_WITH(HostRouter({{"example.com", 0}, {"ex*ample.com", 1}}), Catch::Contains("\"ex*ample.com\""));
}

TEST_CASE("host router: the same host twice is refused, named") {
  CHECK_THROWS_WITH(HostRouter({{"example.com", 0}, {"example.com", 1}}), "host \"example.com\": listed twice");
  CHECK_THROWS_WITH(HostRouter({{"example.com", 0}, {"example.com", 0}}), "host \"example.com\": listed twice");
  CHECK_THROWS_WITH(HostRouter({{"Example.com", 0}, {"example.com.", 1}}),
                    "host \"example.com.\": listed twice (the same host as \"Example.com\")");
  CHECK_THROWS_WITH(HostRouter({{"*.example.com", 0}, {"*.EXAMPLE.com", 1}}), Catch::Contains("listed twice"));
  // An exact host and the wildcard over it are two patterns.
  CHECK_NOTHROW(HostRouter({{"example.com", 0}, {"*.example.com", 1}}));
}
