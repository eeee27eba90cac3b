// Table against the reference matcher on randomly generated rule sets
// (deterministic seeds), at the default regex budget and at tiny ones that
// force set splitting and fallbacks.

#include <catch2/catch.hpp>
#include <random>

#include "matcher/table.hpp"
#include "support/reference_matcher.hpp"

namespace flecto {
namespace {

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::string pick(const std::vector<std::string>& v) { return v[below(v.size())]; }
  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  std::string path_part() {
    return pick({"blog", "old", "legacy", "a", "b", "12", "2024", "item-7", "file.txt", "About",
                 "about", "x", "$1", "product"});
  }
  std::string regex_part() {
    return pick({"([0-9]+)", "([a-z-]+)", "(.*)", "(old|legacy)", "[0-9]{2,4}", "(?:/[a-z]+)?",
                 "blog", "old", "a", "file\\.txt", "file.txt", "(?i)about", "item-([0-9]+)", "x",
                 "(a)?", "about"});
  }
  std::string uri() {
    std::string u;
    std::size_t n = 1 + below(4);
    for (std::size_t i = 0; i < n; ++i) u += "/" + path_part();
    if (below(5) == 0) u += "?q=" + path_part();
    return u;
  }
  std::string regex() {
    std::string r;
    std::size_t form = below(6);
    if (form == 0) r = ".*";
    if (form == 1) r = "(?i)";
    std::size_t n = 1 + below(3);
    for (std::size_t i = 0; i < n; ++i) r += "/" + regex_part();
    if (below(4) == 0) r = "^" + r;
    if (below(4) == 0) r += "$";
    return r;
  }
  std::string host() { return pick({"example.com", "www.example.com", "example.com:8080"}); }
  std::string target() {
    return pick({"/t/$1", "/t/$2/$1", "/fixed", "https://n.example/$1$3", "/$0/$9", "/$"});
  }
  std::string status() {
    return pick({"MOVED_PERMANENT", "FOUND", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT"});
  }

  Rules rules(std::size_t count) {
    Rules rules;
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t kind = below(10);
      if (kind < 2) {
        rules.redirects.push_back({"BASIC", uri(), target(), status()});
      } else if (kind < 3) {
        rules.redirects.push_back({"BASIC_HOST", host() + uri(), target(), status()});
      } else if (kind < 8) {
        rules.redirects.push_back({"REGEX", regex(), target(), status()});
      } else {
        std::string h = pick({"example\\.com", "(www\\.)?example\\.com", "[a-z.]+"});
        rules.redirects.push_back({"REGEX_HOST", h + regex(), target(), status()});
      }
      if (below(4) == 0) {
        std::string type = below(2) ? "BASIC" : "BASIC_HOST";
        std::string path = type == "BASIC" ? uri() : host() + uri();
        rules.pages.push_back({type, path, "content", below(2) ? "XML" : "TEXT_PLAIN"});
      }
    }
    return rules;
  }

 private:
  std::mt19937 rng_;
};

void compare(const Rules& rules, const std::vector<std::size_t>& budgets, Generator& gen,
             std::size_t queries) {
  std::vector<std::shared_ptr<const Table>> tables;
  for (std::size_t budget : budgets) {
    TableOptions options;
    options.regex_memory_budget = budget;
    tables.push_back(Table::build(rules, options).table);
  }
  test::ReferenceMatcher reference(rules);
  for (std::size_t q = 0; q < queries; ++q) {
    std::string host = gen.host();
    std::string uri = gen.uri();
    for (std::size_t b = 0; b < budgets.size(); ++b) {
      const Table& table = *tables[b];
      INFO("host " << host << ", uri " << uri << ", budget " << budgets[b]);
      std::optional<RedirectMatch> got = table.match_redirect(host, uri);
      std::optional<test::ReferenceRedirect> want = reference.match_redirect(host, uri);
      REQUIRE(got.has_value() == want.has_value());
      if (got) {
        CHECK(std::string(got->rule.source) == want->rule.source);
        CHECK(std::string(got->rule.target) == want->rule.target);
        CHECK(to_string(got->rule.type) == want->rule.type);
        CHECK(got->target == want->target);
      }
      std::optional<PageView> page = table.match_page(host, uri);
      std::optional<Page> want_page = reference.match_page(host, uri);
      REQUIRE(page.has_value() == want_page.has_value());
      if (page) CHECK(std::string(page->content) == want_page->content);
    }
  }
}

TEST_CASE("random rule sets: table equals the reference", "[matcher][random]") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    Generator gen(seed);
    Rules rules = gen.rules(10 + gen.below(150));
    INFO("seed " << seed);
    compare(rules, {TableOptions{}.regex_memory_budget}, gen, 200);
  }
}

TEST_CASE("random rule sets: tiny regex budgets give the same answers", "[matcher][random]") {
  for (std::uint32_t seed = 100; seed < 105; ++seed) {
    Generator gen(seed);
    Rules rules = gen.rules(300);
    INFO("seed " << seed);
    compare(rules, {0, std::size_t{16} << 10, std::size_t{256} << 10, std::size_t{256} << 20}, gen,
            300);
  }
}

}  // namespace
}  // namespace flecto
