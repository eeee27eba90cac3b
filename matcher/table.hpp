// The rule table: one published version compiled for matching.
//
// A Table answers "what does this request get?" exactly as
// shared/matching.md says (copied in README.md, "Matching"). It is built
// once and never changes afterwards, so any number of threads may call its
// const methods at the same time, while another thread builds the next one.
//
//   flecto::BuildResult built = flecto::Table::build(rules, {});
//   for (const auto& s : built.skipped) log(s.describe());
//   std::shared_ptr<const flecto::Table> table = std::move(built.table);
//   if (auto r = table->match_redirect("example.com", "/old?x=1")) {
//     // r->code is 301/302/307/308, r->target the resolved Location.
//   }
//
// Inputs are compared byte for byte: `host` is the Host header as received
// (port included), `uri` the request target as received (path, then `?` and
// the query). Nothing is decoded, lower-cased or cleaned.

#ifndef FLECTO_MATCHER_TABLE_HPP_
#define FLECTO_MATCHER_TABLE_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/rule.hpp"

namespace flecto {

// Bounds on the memory the regex machinery may use. The defaults suit an edge
// host; README.md ("Regex limits") says how they were chosen.
struct TableOptions {
  // The default of regex_memory_budget, in MiB: the one home of the agent's
  // regex_memory_mb default, of `flecto-agent match` and of flecto-bench.
  static constexpr std::size_t kDefaultRegexMemoryMb = 256;

  // Memory RE2 may use for all regex programs and DFA caches of one table,
  // together. Rule sets that would not fit in one RE2::Set within its share
  // are split into several sets; a match never answers wrongly because of
  // this budget, it only gets slower.
  std::size_t regex_memory_budget = kDefaultRegexMemoryMb << 20;
};

// A rule that build() left out, with the reason.
struct SkippedRule {
  enum class Kind : std::uint8_t { kRedirect, kPage };
  Kind kind;
  std::size_t index;   // position in Rules::redirects or Rules::pages
  std::string name;    // the rule's source (redirect) or path (page)
  std::string reason;  // e.g. "unknown status \"GONE\"", "invalid regex: ..."
  // One line, counted from 1: `redirect #12 "/old": unknown status "GONE"`.
  std::string describe() const;
};

// A redirect rule as listed by the manager; the views point into the Table
// and stay valid while the Table lives.
struct RedirectRuleView {
  RedirectType type;
  std::string_view source;
  std::string_view target;
  RedirectStatus status;
};

// The answer for a request that matches a redirect.
struct RedirectMatch {
  RedirectRuleView rule;
  std::string target;  // rule.target with $1..$9 substituted (regex rules)
  int code;            // 301, 302, 307 or 308
};

// A page as listed by the manager; the views point into the Table. The
// forms for caches are made when the table is built (page_encoding.hpp).
struct PageView {
  PageType type;
  std::string_view path;
  std::string_view content;
  ContentType content_type;
  std::string_view etag = {};       // quoted strong ETag of `content`
  std::string_view gzip = {};       // the gzip form; empty: none
  std::string_view gzip_etag = {};  // its quoted ETag; empty without a gzip form
};

// What a table holds, for logs, /status and /metrics.
struct TableStats {
  std::size_t basic = 0, basic_host = 0, regex = 0, regex_host = 0;  // redirects loaded
  std::size_t pages_basic = 0, pages_basic_host = 0;                 // pages loaded
  std::size_t skipped = 0;
  std::size_t regex_sets = 0;       // RE2::Sets the regex stages were split into
  std::size_t memory_bytes = 0;     // measured heap memory held by the table, pages' gzip forms included

  std::size_t redirects() const { return basic + basic_host + regex + regex_host; }
  std::size_t pages() const { return pages_basic + pages_basic_host; }
};

class Table;
class TableBuilder;
struct TableParts;

struct BuildResult {
  std::shared_ptr<const Table> table;  // never null
  std::vector<SkippedRule> skipped;    // in list order: redirects, then pages
};

class Table {
 public:
  // Compiles `rules` (both lists in the manager's order). Never throws on bad
  // rules: a rule with an unknown type or status, an empty source or path, or
  // a regex RE2 rejects is left out and listed in `skipped`; every other rule
  // is applied. Throws only std::bad_alloc. This is TableBuilder
  // (matcher/table_builder.hpp) over both lists, for rules already at hand.
  static BuildResult build(const Rules& rules, const TableOptions& options = {});

  // The redirect this request gets, or std::nullopt. Stages in order:
  // BASIC_HOST on host+uri, BASIC on uri, REGEX_HOST on host+uri, REGEX on
  // uri; the first stage with a match decides.
  std::optional<RedirectMatch> match_redirect(std::string_view host,
                                              std::string_view uri) const;

  // The page this request gets, or std::nullopt: BASIC_HOST on host+uri,
  // then BASIC on uri. Independent of redirects (serving gives a redirect
  // precedence).
  std::optional<PageView> match_page(std::string_view host, std::string_view uri) const;

  std::int64_t version() const { return version_; }
  const TableStats& stats() const { return stats_; }

  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

 private:
  friend class TableBuilder;
  struct Impl;
  explicit Table(std::unique_ptr<Impl> impl);
  // The table of what a TableBuilder gathered (matcher/table_parts.hpp).
  static BuildResult assemble(TableParts parts, const TableOptions& options, std::int64_t version);

  std::unique_ptr<Impl> impl_;
  std::int64_t version_ = 0;
  TableStats stats_;
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_TABLE_HPP_
