// The matcher, differentially: a rule set and some requests are built from
// the fuzz input, and flecto::Table must answer every request exactly as the
// test suite's reference matcher does (tests/support/reference_matcher.hpp:
// shared/matching.md done rule by rule with RE2, no sets, no maps). The table
// is built twice, with the default regex budget and with none at all, which
// forces the set splitting and fallbacks that must never change an answer.
//
// The reference takes the literal prefix from the matcher, so that one
// function is checked here on its own terms instead: every match of a regex
// anchored at the start of the input must begin with the prefix.

#include <fuzzer/FuzzedDataProvider.h>
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "matcher/literal_prefix.hpp"
#include "matcher/table.hpp"
#include "support/reference_matcher.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// Words that make the random rules and requests meet: both sides are built
// from the same pieces, with raw fuzz bytes mixed in.
const std::vector<std::string> kPathPieces = {"/", "/a", "/b", "/blog", "/blog/", "/12", "/2024", "/old",
                                              "/legacy", "/About", "/about", "/file.txt", "/x", "?q=",
                                              "$1", "é", "É", "a", "1", "."};
const std::vector<std::string> kRegexPieces = {
    "^", "$", "/", "/a", "/blog/", "([0-9]+)", "([a-z-]+)", "(.*)", ".*", "(old|legacy)", "[0-9]{2,4}",
    "(?:/[a-z]+)?", "file\\.txt", "file.txt", "(?i)", "(?i)about", "(a)?", "(b)", "|", "\\?", "?",
    "+", "*", "[^/]+", "\\d", "\\b", "(?s)", "\\C", "é", "(é|É)", "(x)(y)(z)(1)(2)(3)(4)(5)(6)(7)"};
const std::vector<std::string> kHosts = {"", "example.com", "www.example.com", "example.com:8080"};
const std::vector<std::string> kHostRegexes = {"", "example\\.com", "(www\\.)?example\\.com", "[a-z.]+",
                                               "(?i)EXAMPLE\\.com", ".*"};
const std::vector<std::string> kTargets = {"/t/$1", "/t/$2/$1", "/fixed", "https://n.example/$1$3", "/$0/$9",
                                           "/$", "$10", "$1$1$1", ""};
const std::vector<std::string> kRedirectTypes = {"BASIC", "BASIC_HOST", "REGEX", "REGEX_HOST", "regex", ""};
const std::vector<std::string> kStatuses = {"MOVED_PERMANENT", "FOUND", "TEMPORARY_REDIRECT",
                                            "PERMANENT_REDIRECT", "GONE"};

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : fdp_(data, size) {}

  bool more() { return fdp_.remaining_bytes() > 0; }
  std::size_t below(std::size_t n) { return fdp_.ConsumeIntegralInRange<std::size_t>(0, n - 1); }
  const std::string& pick(const std::vector<std::string>& words) { return words[below(words.size())]; }
  std::string raw(std::size_t max) { return fdp_.ConsumeRandomLengthString(max); }

  // Up to `parts` pieces, each a word or a few raw bytes.
  std::string text(const std::vector<std::string>& words, std::size_t parts) {
    std::string out;
    const std::size_t n = below(parts + 1);
    for (std::size_t i = 0; i < n; ++i) out += below(4) == 0 ? raw(6) : pick(words);
    return out;
  }

  flecto::Redirect redirect() {
    flecto::Redirect r;
    r.type = pick(kRedirectTypes);
    if (r.type == "BASIC_HOST") r.source = pick(kHosts);
    if (r.type == "REGEX_HOST") r.source = pick(kHostRegexes);
    const bool regex = r.type.starts_with("REGEX") || r.type == "regex";
    r.source += text(regex ? kRegexPieces : kPathPieces, 5);
    r.target = below(4) == 0 ? raw(12) : pick(kTargets);
    r.status = pick(kStatuses);
    return r;
  }

  flecto::Page page() {
    flecto::Page p;
    p.type = below(8) == 0 ? "XML" : (below(2) == 0 ? "BASIC" : "BASIC_HOST");
    if (p.type == "BASIC_HOST") p.path = pick(kHosts);
    p.path += text(kPathPieces, 4);
    p.content = raw(8);
    p.content_type = below(8) == 0 ? "HTML" : (below(2) == 0 ? "XML" : "TEXT_PLAIN");
    return p;
  }

  // A request: made of the same pieces, or aimed at a rule's own source.
  std::pair<std::string, std::string> request(const flecto::Rules& rules) {
    std::string host = pick(kHosts);
    std::string uri = text(kPathPieces, 6);
    if (!rules.redirects.empty() && below(3) == 0) {
      const flecto::Redirect& r = rules.redirects[below(rules.redirects.size())];
      if (r.type == "BASIC_HOST" || r.type == "REGEX_HOST") {
        // Split anywhere: only host + uri counts for the host stages.
        const std::size_t cut = below(r.source.size() + 1);
        host = r.source.substr(0, cut);
        uri = r.source.substr(cut);
      } else {
        uri = r.source;
      }
      uri += text(kPathPieces, 2);
    }
    return {host, uri};
  }

 private:
  FuzzedDataProvider fdp_;
};

RE2::Options quiet() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// Every match anchored at the start of `input` begins with `prefix`.
void check_prefix(const std::string& source, const std::string& prefix, const std::string& input) {
  const std::string rest = source.starts_with('^') ? source.substr(1) : source;
  RE2 re(rest, quiet());
  if (!re.ok()) return;
  re2::StringPiece match;
  if (re.Match(input, 0, input.size(), RE2::ANCHOR_START, &match, 1)) {
    require(match.size() >= prefix.size() && match.substr(0, prefix.size()) == prefix);
  }
}

void compare(const flecto::Table& table, const flecto::test::ReferenceMatcher& reference,
             const std::string& host, const std::string& uri) {
  const std::optional<flecto::RedirectMatch> got = table.match_redirect(host, uri);
  const std::optional<flecto::test::ReferenceRedirect> want = reference.match_redirect(host, uri);
  require(got.has_value() == want.has_value());
  if (got) {
    require(flecto::to_string(got->rule.type) == want->rule.type);
    require(got->rule.source == want->rule.source);
    require(got->rule.target == want->rule.target);
    require(flecto::to_string(got->rule.status) == want->rule.status);
    require(got->target == want->target);
    require(got->code == flecto::http_code(*flecto::parse_redirect_status(want->rule.status)));
  }
  const std::optional<flecto::PageView> page = table.match_page(host, uri);
  const std::optional<flecto::Page> want_page = reference.match_page(host, uri);
  require(page.has_value() == want_page.has_value());
  if (page) {
    require(flecto::to_string(page->type) == want_page->type);
    require(page->path == want_page->path);
    require(page->content == want_page->content);
    require(flecto::to_string(page->content_type) == want_page->content_type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  flecto::Rules rules;
  const std::size_t redirects = in.below(13);
  for (std::size_t i = 0; i < redirects; ++i) rules.redirects.push_back(in.redirect());
  const std::size_t pages = in.below(5);
  for (std::size_t i = 0; i < pages; ++i) rules.pages.push_back(in.page());

  std::vector<std::shared_ptr<const flecto::Table>> tables;
  for (const std::size_t budget : {flecto::TableOptions{}.regex_memory_budget, std::size_t{0}}) {
    flecto::BuildResult built = flecto::Table::build(rules, {budget});
    // Skipped exactly when the contract says a rule is invalid.
    std::vector<bool> skipped(rules.redirects.size() + rules.pages.size(), false);
    for (const flecto::SkippedRule& s : built.skipped) {
      const bool page = s.kind == flecto::SkippedRule::Kind::kPage;
      require(s.index < (page ? rules.pages.size() : rules.redirects.size()));
      skipped[page ? rules.redirects.size() + s.index : s.index] = true;
    }
    for (std::size_t i = 0; i < rules.redirects.size(); ++i) {
      require(skipped[i] == !flecto::test::ReferenceMatcher::valid(rules.redirects[i]));
    }
    for (std::size_t i = 0; i < rules.pages.size(); ++i) {
      require(skipped[rules.redirects.size() + i] == !flecto::test::ReferenceMatcher::valid(rules.pages[i]));
    }
    tables.push_back(std::move(built.table));
  }
  const flecto::test::ReferenceMatcher reference(rules);

  std::vector<std::string> prefixes;  // per redirect; only regex rules with one
  std::vector<bool> has_prefix;
  for (const flecto::Redirect& r : rules.redirects) {
    std::optional<std::string> p;
    if (r.type.starts_with("REGEX") && flecto::test::ReferenceMatcher::valid(r)) p = flecto::literal_prefix(r.source);
    has_prefix.push_back(p.has_value());
    prefixes.push_back(p.value_or(""));
  }

  for (std::size_t q = 0; q < 8 && in.more(); ++q) {
    const auto [host, uri] = in.request(rules);
    for (const auto& table : tables) compare(*table, reference, host, uri);
    for (std::size_t i = 0; i < rules.redirects.size(); ++i) {
      if (!has_prefix[i]) continue;
      check_prefix(rules.redirects[i].source, prefixes[i], rules.redirects[i].type == "REGEX" ? uri : host + uri);
    }
  }
  return 0;
}
