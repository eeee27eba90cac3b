// Regex stages at small memory budgets: sets are split, or left out, or run
// out of DFA memory while matching; the answers never change.

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "matcher/table.hpp"
#include "support/reference_matcher.hpp"

namespace flecto {
namespace {

// Rules without literal prefix and without prefilter atoms, so that every
// match has to ask the stage's sets.
Rules atomless_rules(std::size_t count) {
  Rules rules;
  for (std::size_t i = 0; i < count; ++i) {
    std::string a = std::to_string(1 + i % 6), b = std::to_string(1 + (i / 6) % 5);
    std::string source = i % 3 == 0   ? "(?s).*a.{" + a + "}b([0-9]{" + b + "})"
                         : i % 3 == 1 ? "/([a-z]{" + a + "})/([0-9]{" + b + "})"
                                      : "(?i)/([a-z]{" + a + "})(x|y){" + b + "}";
    rules.redirects.push_back({"REGEX", source, "/r" + std::to_string(i) + "/$1/$2", "FOUND"});
  }
  return rules;
}

std::vector<std::string> inputs() {
  std::mt19937 rng(7);
  const std::string alphabet = "abxyz0123456789/";
  std::vector<std::string> out = {"/abc/123",
                                  "/ABC/x",
                                  "/q/aa",
                                  "aaaaab12345",
                                  "/",
                                  "/abcdefghijklmnopqrstuvwxyz/0123456789",
                                  "/abcdefghijklmnopqrstuvwxyzabcdefghijkl/012345/x"};
  for (int i = 0; i < 150; ++i) {
    std::string s = "/";
    std::size_t n = rng() % 60;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    out.push_back(s);
  }
  return out;
}

void expect_reference_answers(const Rules& rules, std::size_t budget, std::size_t* sets) {
  TableOptions options;
  options.regex_memory_budget = budget;
  BuildResult built = Table::build(rules, options);
  REQUIRE(built.skipped.empty());
  *sets = built.table->stats().regex_sets;
  test::ReferenceMatcher reference(rules);
  for (const std::string& uri : inputs()) {
    INFO("budget " << budget << ", uri " << uri);
    std::optional<RedirectMatch> got = built.table->match_redirect("h", uri);
    std::optional<test::ReferenceRedirect> want = reference.match_redirect("h", uri);
    REQUIRE(got.has_value() == want.has_value());
    if (got) {
      CHECK(std::string(got->rule.source) == want->rule.source);
      CHECK(got->target == want->target);
    }
  }
}

TEST_CASE("regex budget: a chunk too big for one set is split", "[matcher][budget]") {
  // Large programs: 128 of them do not fit one set's ceiling, 64 do.
  Rules rules;
  for (int i = 0; i < 256; ++i) {
    rules.redirects.push_back({"REGEX",
                               "/([a-z]{" + std::to_string(10 + i % 50) + ",90})/([0-9]{1," +
                                   std::to_string(5 + i % 7) + "})",
                               "/r" + std::to_string(i) + "/$2/$1", "FOUND"});
  }
  std::size_t sets = 0;
  expect_reference_answers(rules, TableOptions{}.regex_memory_budget, &sets);
  CHECK(sets > 2);
}

TEST_CASE("regex budget: small budgets give the reference answers", "[matcher][budget]") {
  Rules rules = atomless_rules(400);
  std::size_t sets = 0;
  expect_reference_answers(rules, TableOptions{}.regex_memory_budget, &sets);
  // 400 rules in chunks of 128: four sets when memory allows.
  CHECK(sets == 4);
  for (std::size_t budget = 16 << 10; budget <= (std::size_t{4} << 20); budget *= 4) {
    expect_reference_answers(rules, budget, &sets);
  }
  // With no memory at all, every rule is tried on its own.
  expect_reference_answers(rules, 0, &sets);
  CHECK(sets == 0);
}

}  // namespace
}  // namespace flecto
