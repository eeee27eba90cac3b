// A large rule set made in memory for the tests of a million rules
// (tests/agent/sync/snapshot_million_test.cpp), the same on every run, and
// the answer each of its rules must give.
//
//   flecto::Rules rules = flecto::test::million_rules(2);   // version 2, 1,000,000 redirects + 2 pages
//   flecto::test::RuleQuery q = flecto::test::query_for(rules, 123'456);
//   table->match_redirect(q.host, q.uri)->target == q.target
//
// Redirect i: 90% BASIC "/<section>/<word>-<word>-<i in base 36>", 10% (every
// i % 10 == 3) BASIC_HOST on one of 7 hosts; target "https://example.com/new/<i>",
// the four statuses in turn. Sources are 20 to 45 bytes, like
// `flecto-bench generate basic-1m`'s (bench/README.md), and unique.

#ifndef FLECTO_TESTS_SUPPORT_MILLION_RULES_HPP_
#define FLECTO_TESTS_SUPPORT_MILLION_RULES_HPP_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "matcher/rule.hpp"

namespace flecto::test {

inline constexpr std::size_t kMillion = 1'000'000;

inline constexpr std::array<std::string_view, 8> kMillionSections = {"/blog", "/news", "/shop/category", "/docs",
                                                                    "/help/articles", "/de/produkte", "/events",
                                                                    "/media/videos"};
inline constexpr std::array<std::string_view, 12> kMillionWords = {"summer", "bike",   "guide",  "coffee",
                                                                   "garden", "winter", "travel", "laptop",
                                                                   "music",  "sport",  "press",  "review"};
inline constexpr std::array<std::string_view, 7> kMillionHosts = {
    "www.example.com", "shop.example.com", "blog.example.org", "m.example.net",
    "example.com:8080", "docs.example.io", "static.example.com"};
inline constexpr std::array<std::string_view, 4> kMillionStatuses = {"MOVED_PERMANENT", "FOUND",
                                                                     "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT"};
inline constexpr std::array<int, 4> kMillionCodes = {301, 302, 307, 308};

inline std::string million_base36(std::size_t n) {
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36]);
    n /= 36;
  } while (n);
  return digits;
}

// The uri of redirect i (without its host for BASIC_HOST).
inline std::string million_uri(std::size_t i) {
  std::string uri(kMillionSections[i % kMillionSections.size()]);
  uri += '/';
  uri += kMillionWords[(i / 8) % kMillionWords.size()];
  uri += '-';
  uri += kMillionWords[(i / 96) % kMillionWords.size()];
  uri += '-';
  uri += million_base36(i);
  return uri;
}

inline bool million_has_host(std::size_t i) { return i % 10 == 3; }
inline std::string_view million_host(std::size_t i) { return kMillionHosts[(i / 10) % kMillionHosts.size()]; }

// `count` redirects and 2 pages, as version `version`; `target_tag` goes
// into every target, so that two versions can differ in every answer.
inline Rules million_rules(std::int64_t version, std::size_t count = kMillion, std::string_view target_tag = "") {
  Rules rules;
  rules.version = version;
  rules.redirects.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string target = "https://example.com/new/";
    target += target_tag;
    target += std::to_string(i);
    std::string status(kMillionStatuses[i % kMillionStatuses.size()]);
    if (million_has_host(i)) {
      rules.redirects.push_back({"BASIC_HOST", std::string(million_host(i)) + million_uri(i), std::move(target),
                                 std::move(status)});
    } else {
      rules.redirects.push_back({"BASIC", million_uri(i), std::move(target), std::move(status)});
    }
  }
  rules.pages.push_back({"BASIC", "/robots.txt", "User-agent: *\nDisallow:\n", "TEXT_PLAIN"});
  rules.pages.push_back({"BASIC_HOST", "shop.example.com/sitemap.xml", "<urlset/>", "XML"});
  return rules;
}

// A request for redirect i of `rules`, and the answer it must get.
struct RuleQuery {
  std::string host, uri;
  std::string target;  // the expected Location
  int code = 0;        // the expected status
};

inline RuleQuery query_for(const Rules& rules, std::size_t i) {
  const Redirect& redirect = rules.redirects.at(i);
  RuleQuery q;
  q.host = million_has_host(i) ? std::string(million_host(i)) : std::string("example.com");
  q.uri = million_uri(i);
  q.target = redirect.target;
  q.code = kMillionCodes[i % kMillionCodes.size()];
  return q;
}

}  // namespace flecto::test

#endif  // FLECTO_TESTS_SUPPORT_MILLION_RULES_HPP_
