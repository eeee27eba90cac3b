// Rough matcher speed on the benchmark shapes of issue 2. Hidden ([.bench]):
// run with `flecto-tests "[.bench]"`. Prints figures, asserts only answers.

#include <time.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <random>

#include "matcher/table.hpp"

namespace flecto {
namespace {

// CPU time of this thread: the machines are shared, wall time is not ours.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};

double ms_since(double start) { return Clock::now() - start; }

struct Query {
  std::string host, uri;
};

void measure(const char* name, const Rules& rules, const std::vector<Query>& queries,
             std::size_t rounds) {
  Clock::time_point start = Clock::now();
  BuildResult built = Table::build(rules);
  double build_ms = ms_since(start);
  REQUIRE(built.skipped.empty());
  const Table& table = *built.table;
  std::size_t hits = 0;
  for (const Query& q : queries) hits += table.match_redirect(q.host, q.uri).has_value();  // warm
  hits = 0;
  start = Clock::now();
  for (std::size_t r = 0; r < rounds; ++r) {
    for (const Query& q : queries) hits += table.match_redirect(q.host, q.uri).has_value();
  }
  double ns = ms_since(start) * 1e6 / static_cast<double>(rounds * queries.size());
  std::printf(
      "%s: rules %zu, build_ms %.0f, table_mb %.1f, regex_sets %zu, ns_per_match %.0f, hits "
      "%zu/%zu\n",
      name, rules.redirects.size(), build_ms,
      static_cast<double>(table.stats().memory_bytes) / (1 << 20), table.stats().regex_sets, ns,
      hits, rounds * queries.size());
  CHECK(hits > 0);
}

TEST_CASE("bench: 1M BASIC and BASIC_HOST", "[.bench]") {
  Rules rules;
  for (int i = 0; i < 1000000; ++i) {
    std::string n = std::to_string(i);
    if (i % 4 == 0) {
      rules.redirects.push_back({"BASIC_HOST", "shop.example.com/catalog/item-" + n,
                                 "https://new.example.com/i/" + n, "MOVED_PERMANENT"});
    } else {
      rules.redirects.push_back(
          {"BASIC", "/catalog/old/item-" + n + ".html", "/catalog/new/item-" + n, "FOUND"});
    }
  }
  std::mt19937 rng(1);
  std::vector<Query> queries;
  for (int i = 0; i < 100000; ++i) {
    std::string n = std::to_string(rng() % 1100000);
    queries.push_back(
        {"shop.example.com", i % 2 ? "/catalog/old/item-" + n + ".html" : "/catalog/item-" + n});
  }
  measure("1M basic, 100k distinct queries", rules, queries, 10);
  queries.resize(10000);
  measure("1M basic, 10k distinct queries", rules, queries, 100);
}

TEST_CASE("bench: 100k BASIC and 1k prefixed REGEX", "[.bench]") {
  Rules rules;
  for (int i = 0; i < 100000; ++i) {
    std::string n = std::to_string(i);
    rules.redirects.push_back({"BASIC", "/catalog/old/item-" + n + ".html",
                               "/catalog/new/item-" + n, "FOUND"});
  }
  for (int i = 0; i < 1000; ++i) {
    rules.redirects.push_back({"REGEX", "^/blog" + std::to_string(i) + "/([0-9]+)/(.*)$",
                               "/articles/$1/$2", "MOVED_PERMANENT"});
  }
  std::mt19937 rng(4);
  std::vector<Query> queries;
  for (int i = 0; i < 10000; ++i) {
    std::string n = std::to_string(rng() % 110000);
    queries.push_back({"example.com", i % 2 ? "/catalog/old/item-" + n + ".html"
                                            : "/blog" + std::to_string(rng() % 1100) + "/12/x"});
  }
  measure("100k basic + 1k prefixed regex", rules, queries, 20);
}

TEST_CASE("bench: 10k prefixed REGEX", "[.bench]") {
  Rules rules;
  for (int i = 0; i < 10000; ++i) {
    rules.redirects.push_back({"REGEX", "^/section" + std::to_string(i) + "/([a-z]+)/(\\d+)$",
                               "/s/$1/$2", "MOVED_PERMANENT"});
  }
  std::mt19937 rng(2);
  std::vector<Query> queries;
  for (int i = 0; i < 10000; ++i) {
    std::string n = std::to_string(rng() % 11000);
    queries.push_back({"example.com", "/section" + n + (i % 3 ? "/abc/123" : "/abc/x")});
  }
  measure("10k prefixed regex", rules, queries, 20);
}

TEST_CASE("bench: 1k REGEX without a literal prefix", "[.bench]") {
  Rules rules;
  for (int i = 0; i < 1000; ++i) {
    std::string n = std::to_string(i);
    if (i % 2) {
      rules.redirects.push_back(
          {"REGEX", ".*/item-" + n + "-([a-z0-9]+)\\.html", "/i/$1", "MOVED_PERMANENT"});
    } else {
      rules.redirects.push_back({"REGEX", "(?i)/product" + n + "/(\\d+)", "/p/$1", "FOUND"});
    }
  }
  std::mt19937 rng(3);
  std::vector<Query> queries;
  for (int i = 0; i < 10000; ++i) {
    std::string n = std::to_string(rng() % 1100);
    queries.push_back(
        {"example.com", i % 2 ? "/shop/item-" + n + "-abc9.html" : "/Product" + n + "/42?ref=x"});
  }
  measure("1k unprefixed regex", rules, queries, 5);
}

}  // namespace
}  // namespace flecto
