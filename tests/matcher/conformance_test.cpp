// Every suite of the conformance vectors (shared/conformance/) through Table,
// and through the reference matcher: 100% agreement.

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "matcher/table.hpp"
#include "support/reference_matcher.hpp"

namespace flecto {
namespace {

struct Expectation {
  std::string host, uri;
  std::optional<Redirect> redirect;  // the first listed among equal winners
  std::string target;
  std::optional<Page> page;
};

struct Suite {
  std::string name;
  Rules rules;
  std::vector<Expectation> expect;
};

std::string str(simdjson::dom::element e, const char* key) {
  return std::string(std::string_view(e[key]));
}

Redirect redirect_of(simdjson::dom::element e) {
  return {str(e, "type"), str(e, "source"), str(e, "target"), str(e, "status")};
}

Page page_of(simdjson::dom::element e) {
  return {str(e, "type"), str(e, "path"), str(e, "content"), str(e, "contentType")};
}

std::size_t position(const Rules& rules, const Redirect& r) {
  for (std::size_t i = 0; i < rules.redirects.size(); ++i) {
    if (rules.redirects[i] == r) return i;
  }
  FAIL("alternative not among the suite's redirects: " << r.source);
  return 0;
}

std::vector<Suite> load(const std::string& file) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc =
      parser.load(std::string(FLECTO_TEST_DATA_DIR) + "/conformance/" + file);
  std::vector<Suite> suites;
  for (simdjson::dom::element s : doc["suites"].get_array()) {
    Suite suite;
    suite.name = str(s, "name");
    for (simdjson::dom::element r : s["redirects"].get_array()) {
      suite.rules.redirects.push_back(redirect_of(r));
    }
    for (simdjson::dom::element p : s["pages"].get_array()) {
      suite.rules.pages.push_back(page_of(p));
    }
    for (simdjson::dom::element e : s["expect"].get_array()) {
      Expectation x;
      x.host = str(e, "host");
      x.uri = str(e, "uri");
      if (!e["redirect"].is_null()) x.redirect = redirect_of(e["redirect"]);
      x.target = str(e, "target");
      if (!e["page"].is_null()) x.page = page_of(e["page"]);
      simdjson::dom::array alternatives;
      if (e["alternatives"].get_array().get(alternatives) == simdjson::SUCCESS) {
        // Ties go to the rule listed first (matching.md, "Priority").
        std::size_t best = position(suite.rules, *x.redirect);
        for (simdjson::dom::element alt : alternatives) {
          Redirect r = redirect_of(alt["redirect"]);
          std::size_t at = position(suite.rules, r);
          if (at < best) {
            best = at;
            x.redirect = r;
            x.target = str(alt, "target");
          }
        }
      }
      suite.expect.push_back(std::move(x));
    }
    suites.push_back(std::move(suite));
  }
  return suites;
}

void run(const std::string& file, const TableOptions& options) {
  std::vector<Suite> suites = load(file);
  REQUIRE(!suites.empty());
  std::size_t checked = 0;
  for (const Suite& suite : suites) {
    BuildResult built = Table::build(suite.rules, options);
    test::ReferenceMatcher reference(suite.rules);
    for (const Expectation& x : suite.expect) {
      INFO("suite " << suite.name << ", host " << x.host << ", uri " << x.uri);
      std::optional<RedirectMatch> got = built.table->match_redirect(x.host, x.uri);
      REQUIRE(got.has_value() == x.redirect.has_value());
      if (got) {
        CHECK(std::string(got->rule.source) == x.redirect->source);
        CHECK(to_string(got->rule.type) == x.redirect->type);
        CHECK(std::string(got->rule.target) == x.redirect->target);
        CHECK(to_string(got->rule.status) == x.redirect->status);
        CHECK(got->target == x.target);
        CHECK(got->code == http_code(*parse_redirect_status(x.redirect->status)));
      }
      std::optional<PageView> page = built.table->match_page(x.host, x.uri);
      REQUIRE(page.has_value() == x.page.has_value());
      if (page) {
        CHECK(std::string(page->path) == x.page->path);
        CHECK(std::string(page->content) == x.page->content);
        CHECK(to_string(page->content_type) == x.page->content_type);
        CHECK(to_string(page->type) == x.page->type);
      }
      // The oracle agrees with the vectors too.
      std::optional<test::ReferenceRedirect> ref = reference.match_redirect(x.host, x.uri);
      REQUIRE(ref.has_value() == x.redirect.has_value());
      if (ref) {
        CHECK(ref->rule == *x.redirect);
        CHECK(ref->target == x.target);
      }
      CHECK(reference.match_page(x.host, x.uri) == x.page);
      ++checked;
    }
  }
  CHECK(checked > 0);
}

TEST_CASE("conformance: every suite of vectors.json", "[matcher][conformance]") {
  run("vectors.json", {});
}

TEST_CASE("conformance: every suite of divergences.json", "[matcher][conformance]") {
  run("divergences.json", {});
}

TEST_CASE("conformance: vectors.json at a tiny regex budget", "[matcher][conformance]") {
  TableOptions tiny;
  tiny.regex_memory_budget = 64 << 10;
  run("vectors.json", tiny);
}

}  // namespace
}  // namespace flecto
