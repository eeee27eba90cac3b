#include "matcher/table_builder.hpp"

#include <cstring>
#include <string>

#include "matcher/exact_index.hpp"

namespace flecto {
namespace {

using table_parts::kHeaderSize;

std::string quoted(std::string_view word) {
  std::string out = "\"";
  out += word;
  out += '"';
  return out;
}

// Why a redirect cannot be applied; empty when it can.
std::string redirect_problem(std::string_view type_word, std::string_view source,
                             std::string_view target, std::string_view status_word,
                             const std::optional<RedirectType>& type,
                             const std::optional<RedirectStatus>& status) {
  if (!type) return "unknown type " + quoted(type_word);
  if (!status) return "unknown status " + quoted(status_word);
  if (source.empty()) return "empty source";
  if (source.size() > UINT32_MAX || target.size() > UINT32_MAX) {
    return "source or target too long";
  }
  return {};
}

}  // namespace

// Offsets into the arena are 32-bit to keep the index small: the arena stays
// below 4 GiB (more throws std::bad_alloc, as Table::build always did).
TableBuilder::TableBuilder(const TableOptions& options)
    : options_(options), arena_(std::size_t{UINT32_MAX} - 1) {}

void TableBuilder::add_redirect(std::string_view type_word, std::string_view source,
                                std::string_view target, std::string_view status_word) {
  const std::size_t index = redirects_added_++;
  const std::optional<RedirectType> type = parse_redirect_type(type_word);
  const std::optional<RedirectStatus> status = parse_redirect_status(status_word);
  std::string reason = redirect_problem(type_word, source, target, status_word, type, status);
  if (!reason.empty()) {
    parts_.skipped_redirects.push_back(
        {SkippedRule::Kind::kRedirect, index, std::string(source), std::move(reason)});
    return;
  }
  const auto id = static_cast<std::uint32_t>(arena_.size());
  char* at = arena_.extend(kHeaderSize + source.size() + target.size());
  table_parts::write_header(at, {static_cast<std::uint32_t>(source.size()),
                                 static_cast<std::uint32_t>(target.size()), *type, *status});
  std::memcpy(at + kHeaderSize, source.data(), source.size());
  if (!target.empty()) std::memcpy(at + kHeaderSize + source.size(), target.data(), target.size());
  switch (*type) {
    case RedirectType::kBasic: parts_.basic.push_back({ExactIndex::hash(source), id}); break;
    case RedirectType::kBasicHost: parts_.basic_host.push_back({ExactIndex::hash(source), id}); break;
    case RedirectType::kRegex:
      parts_.regex.ids.push_back(id);
      parts_.regex.list_index.push_back(index);
      break;
    case RedirectType::kRegexHost:
      parts_.regex_host.ids.push_back(id);
      parts_.regex_host.list_index.push_back(index);
      break;
  }
}

void TableBuilder::add_page(std::string_view type, std::string_view path, std::string_view content,
                            std::string_view content_type) {
  // Pages are few and small (robots.txt, sitemaps): kept as listed until
  // build(), which validates and stores them as Table::build always did.
  parts_.pages.push_back(
      {std::string(type), std::string(path), std::string(content), std::string(content_type)});
}

BuildResult TableBuilder::build(std::int64_t version) && {
  parts_.redirect_bytes = std::move(arena_).finish();
  return Table::assemble(std::move(parts_), options_, version);
}

BuildResult Table::build(const Rules& rules, const TableOptions& options) {
  TableBuilder builder(options);
  for (const Redirect& r : rules.redirects) builder.add_redirect(r.type, r.source, r.target, r.status);
  for (const Page& p : rules.pages) builder.add_page(p.type, p.path, p.content, p.content_type);
  return std::move(builder).build(rules.version);
}

}  // namespace flecto
