// Builds a Table from rules given one at a time, as views.
//
// The rules may come straight from a parser's buffers (a rules file, a
// listing page) that are freed as soon as each rule is added: the builder
// copies each redirect's source and target once, into the table's own arena,
// so that no list of every rule as strings is needed on the way. The answers,
// stats and skipped list are those of Table::build on the same lists (which
// is this builder over a Rules).
//
//   flecto::TableBuilder builder(options);
//   for (const auto& r : items) builder.add_redirect(r.type, r.source, r.target, r.status);
//   for (const auto& p : pages) builder.add_page(p.type, p.path, p.content, p.content_type);
//   flecto::BuildResult built = std::move(builder).build(version);
//
// Redirects and pages are numbered in the order added, each list from 0 (the
// SkippedRule::index). A rule with an unknown type or status, an empty
// source or path, or a regex RE2 rejects is left out and listed, as
// Table::build says. add_* and build() throw only std::bad_alloc (the
// redirects' text over 4 GiB, or the memory refused).

#ifndef FLECTO_MATCHER_TABLE_BUILDER_HPP_
#define FLECTO_MATCHER_TABLE_BUILDER_HPP_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "matcher/mapped_array.hpp"
#include "matcher/table.hpp"
#include "matcher/table_parts.hpp"

namespace flecto {

class TableBuilder {
 public:
  explicit TableBuilder(const TableOptions& options = {});

  // Fields as listed, words unparsed ("BASIC", "MOVED_PERMANENT").
  void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                    std::string_view status);
  void add_page(std::string_view type, std::string_view path, std::string_view content,
                std::string_view content_type);

  std::size_t redirects_added() const { return redirects_added_; }
  std::size_t pages_added() const { return parts_.pages.size(); }

  // The table of every rule added, with `version`. The builder is spent.
  BuildResult build(std::int64_t version) &&;

 private:
  TableOptions options_;
  MappedBuffer arena_;
  TableParts parts_;
  std::size_t redirects_added_ = 0;
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_TABLE_BUILDER_HPP_
