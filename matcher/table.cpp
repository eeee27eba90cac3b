#include "matcher/table.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "matcher/exact_index.hpp"
#include "matcher/go_reading.hpp"
#include "matcher/mapped_array.hpp"
#include "matcher/page_encoding.hpp"
#include "matcher/regex_stage.hpp"
#include "matcher/substitute.hpp"
#include "matcher/table_parts.hpp"

namespace flecto {
namespace {

using table_parts::kHeaderSize;
using table_parts::PendingInsert;
using table_parts::Header;
using table_parts::read_header;

// A page as stored: its text lives in Impl::page_bytes.
struct PageRecord {
  std::size_t path_offset;
  std::size_t content_offset;
  std::size_t path_size;
  std::size_t content_size;
  PageType type;
  ContentType content_type;
};

std::string quoted(std::string_view word) {
  std::string out = "\"";
  out += word;
  out += '"';
  return out;
}

struct AcceptedPages {
  std::vector<std::size_t> indexes;  // in Rules::pages, in list order
  std::size_t bytes = 0;             // their paths and contents together
};

// Why `p` cannot be applied; empty when it can.
std::string page_problem(const Page& p) {
  if (!parse_page_type(p.type)) return "unknown type " + quoted(p.type);
  if (!parse_content_type(p.content_type)) return "unknown contentType " + quoted(p.content_type);
  if (p.path.empty()) return "empty path";
  return {};
}

// The pages that can be applied; the others are added to `skipped`.
AcceptedPages accept_pages(const std::vector<Page>& pages, std::vector<SkippedRule>* skipped) {
  AcceptedPages accepted;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const Page& p = pages[i];
    std::string reason = page_problem(p);
    if (!reason.empty()) {
      skipped->push_back({SkippedRule::Kind::kPage, i, p.path, std::move(reason)});
      continue;
    }
    accepted.indexes.push_back(i);
    accepted.bytes += p.path.size() + p.content.size();
  }
  return accepted;
}

// The rules of one regex stage, as RegexStage::build takes them, with the
// list index of each (to name those it cannot compile).
struct StageRules {
  std::vector<RegexStage::Rule> rules;
  std::vector<std::size_t> list_index;
};

// The regex budget's share for the REGEX_HOST stage: the stages share it in
// proportion to their rules.
std::size_t host_stage_budget(std::size_t budget, std::size_t host_rules, std::size_t all_rules) {
  if (all_rules == 0) return 0;
  return static_cast<std::size_t>(static_cast<double>(budget) * static_cast<double>(host_rules) /
                                  static_cast<double>(all_rules));
}

// Adds the rules `stage` could not compile to `skipped`.
void skip_failures(const StageRules& stage, std::vector<RegexStage::Failure>& failures,
                   std::vector<SkippedRule>* skipped) {
  for (RegexStage::Failure& f : failures) {
    const RegexStage::Rule& rule = stage.rules[f.position];
    skipped->push_back({SkippedRule::Kind::kRedirect, stage.list_index[f.position],
                        std::string(rule.source), std::move(f.reason)});
  }
}

// host + uri without a heap allocation for ordinary lengths. Built only when
// a host stage has rules; the buffer is left uninitialised until then.
class Joined {
 public:
  Joined() {}  // NOLINT: a defaulted constructor may zero the buffer
  void assign(std::string_view host, std::string_view uri) {
    std::size_t n = host.size() + uri.size();
    char* p = buffer_;
    if (n > sizeof buffer_) {
      heap_.resize(n);
      p = heap_.data();
    }
    // std::copy, not memcpy: an absent host (HTTP/1.0 without Host) is a
    // string_view whose data() is null, and memcpy from null is undefined
    // even for 0 bytes (UndefinedBehaviorSanitizer reports it).
    std::copy(host.begin(), host.end(), p);
    std::copy(uri.begin(), uri.end(), p + host.size());
    view_ = std::string_view(p, n);
  }
  std::string_view view() const { return view_; }

 private:
  char buffer_[512];
  std::string heap_;
  std::string_view view_;
};

}  // namespace

struct Table::Impl {
  MappedArray<char> redirect_bytes;
  ExactIndex basic_host, basic;  // source -> redirect offset
  RegexStage regex_host, regex;

  std::string page_bytes;
  std::vector<PageRecord> pages;
  std::vector<PageEncoding> page_encodings;  // per page: ETag and gzip form
  std::size_t page_encoding_bytes = 0;       // their heap bytes
  ExactIndex pages_basic_host, pages_basic;  // path -> page number

  std::string_view source(std::uint32_t r) const {
    return table_parts::source_at(redirect_bytes.data(), r);
  }
  RedirectRuleView redirect_view(std::uint32_t r) const {
    const char* at = redirect_bytes.data() + r;
    Header h = read_header(at);
    return {h.type, std::string_view(at + kHeaderSize, h.source_size),
            std::string_view(at + kHeaderSize + h.source_size, h.target_size), h.status};
  }
  std::string_view path(std::uint32_t p) const {
    const PageRecord& rec = pages[p];
    return std::string_view(page_bytes.data() + rec.path_offset, rec.path_size);
  }
  PageView page_view(std::uint32_t p) const {
    const PageRecord& rec = pages[p];
    const PageEncoding& encoding = page_encodings[p];
    return {rec.type, path(p),
            std::string_view(page_bytes.data() + rec.content_offset, rec.content_size),
            rec.content_type, encoding.etag, encoding.gzip, encoding.gzip_etag};
  }
  std::size_t memory_bytes() const {
    return sizeof(Impl) + redirect_bytes.memory_bytes() + basic_host.memory_bytes() +
           basic.memory_bytes() + regex_host.memory_bytes() + regex.memory_bytes() +
           page_bytes.capacity() + pages.capacity() * sizeof(PageRecord) +
           page_encodings.capacity() * sizeof(PageEncoding) + page_encoding_bytes +
           pages_basic_host.memory_bytes() + pages_basic.memory_bytes();
  }

  // The steps of Table::assemble, in order, after TableBuilder has stored
  // and validated the redirects.

  // Takes the arena and indexes the exact redirects.
  void index_redirects(TableParts& parts, TableStats* stats);
  // Inserts in list order, so that the rule listed last wins.
  void insert_exact(ExactIndex& index, const std::vector<PendingInsert>& pending);
  // The regex rules of one stage, as RegexStage::build takes them.
  StageRules stage_rules(const table_parts::PendingRegex& pending) const;
  // Compiles both stages within `budget`; the rules that do not compile are
  // added to `skipped`.
  void build_regex_stages(const StageRules& regex_host_rules, const StageRules& regex_rules,
                          std::size_t budget, std::vector<SkippedRule>* skipped, TableStats* stats);
  // Copies the accepted pages into page_bytes, encodes them for caches
  // (ETag, gzip form) and indexes them.
  void store_pages(const std::vector<Page>& all_pages, const AcceptedPages& accepted,
                   TableStats* stats);
};

Table::Table(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Table::~Table() = default;

BuildResult Table::assemble(TableParts parts, const TableOptions& options, std::int64_t version) {
  auto impl = std::make_unique<Impl>();
  TableStats stats;
  std::vector<SkippedRule> skipped_redirects = std::move(parts.skipped_redirects);
  std::vector<SkippedRule> skipped_pages;

  impl->index_redirects(parts, &stats);
  impl->build_regex_stages(impl->stage_rules(parts.regex_host), impl->stage_rules(parts.regex),
                           options.regex_memory_budget, &skipped_redirects, &stats);
  std::sort(skipped_redirects.begin(), skipped_redirects.end(),
            [](const SkippedRule& a, const SkippedRule& b) { return a.index < b.index; });

  impl->store_pages(parts.pages, accept_pages(parts.pages, &skipped_pages), &stats);

  stats.skipped = skipped_redirects.size() + skipped_pages.size();
  stats.regex_sets = impl->regex.set_count() + impl->regex_host.set_count();
  stats.memory_bytes = impl->memory_bytes() + sizeof(Table);

  BuildResult result;
  auto table = std::shared_ptr<Table>(new Table(std::move(impl)));
  table->version_ = version;
  table->stats_ = stats;
  result.table = std::move(table);
  result.skipped = std::move(skipped_redirects);
  for (SkippedRule& s : skipped_pages) result.skipped.push_back(std::move(s));
  return result;
}

void Table::Impl::index_redirects(TableParts& parts, TableStats* stats) {
  redirect_bytes = std::move(parts.redirect_bytes);
  basic = ExactIndex(parts.basic.size());
  basic_host = ExactIndex(parts.basic_host.size());
  insert_exact(basic, parts.basic);
  insert_exact(basic_host, parts.basic_host);
  stats->basic = parts.basic.size();
  stats->basic_host = parts.basic_host.size();
  // The pending inserts are 16 bytes a rule: gone before the regex stages.
  parts.basic = {};
  parts.basic_host = {};
}

StageRules Table::Impl::stage_rules(const table_parts::PendingRegex& pending) const {
  StageRules stage;
  stage.rules.reserve(pending.ids.size());
  for (std::uint32_t id : pending.ids) stage.rules.push_back({source(id), id});
  stage.list_index = pending.list_index;
  return stage;
}

void Table::Impl::insert_exact(ExactIndex& index, const std::vector<PendingInsert>& pending) {
  auto source_of = [this](std::uint32_t r) { return source(r); };
  // Slots are random memory: prefetch a few inserts ahead.
  constexpr std::size_t kAhead = 16;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (i + kAhead < pending.size()) index.prefetch_for_insert(pending[i + kAhead].hash);
    index.insert(source(pending[i].id), pending[i].hash, pending[i].id, source_of);
  }
}

void Table::Impl::build_regex_stages(const StageRules& regex_host_rules,
                                     const StageRules& regex_rules, std::size_t budget,
                                     std::vector<SkippedRule>* skipped, TableStats* stats) {
  const std::size_t host_budget =
      host_stage_budget(budget, regex_host_rules.rules.size(),
                        regex_rules.rules.size() + regex_host_rules.rules.size());
  std::vector<RegexStage::Failure> failures;
  regex_host = RegexStage::build(regex_host_rules.rules, host_budget, &failures);
  skip_failures(regex_host_rules, failures, skipped);
  failures.clear();
  regex = RegexStage::build(regex_rules.rules, budget - host_budget, &failures);
  skip_failures(regex_rules, failures, skipped);
  stats->regex = regex.size();
  stats->regex_host = regex_host.size();
}

void Table::Impl::store_pages(const std::vector<Page>& all_pages, const AcceptedPages& accepted,
                              TableStats* stats) {
  page_bytes.reserve(accepted.bytes);
  pages.reserve(accepted.indexes.size());
  page_encodings.reserve(accepted.indexes.size());
  std::size_t n_pages_basic = 0;
  for (std::size_t i : accepted.indexes) {
    const Page& p = all_pages[i];
    PageRecord rec;
    rec.path_offset = page_bytes.size();
    rec.path_size = p.path.size();
    page_bytes += p.path;
    rec.content_offset = page_bytes.size();
    rec.content_size = p.content.size();
    page_bytes += p.content;
    rec.type = *parse_page_type(p.type);
    rec.content_type = *parse_content_type(p.content_type);
    pages.push_back(rec);
    page_encodings.push_back(encode_page(p.content, rec.content_type));
    page_encoding_bytes += page_encodings.back().memory_bytes();
    n_pages_basic += rec.type == PageType::kBasic;
  }
  pages_basic = ExactIndex(n_pages_basic);
  pages_basic_host = ExactIndex(pages.size() - n_pages_basic);
  auto path_of = [this](std::uint32_t p) { return path(p); };
  for (std::uint32_t p = 0; p < pages.size(); ++p) {
    if (pages[p].type == PageType::kBasic) {
      pages_basic.insert(path(p), p, path_of);
      ++stats->pages_basic;
    } else {
      pages_basic_host.insert(path(p), p, path_of);
      ++stats->pages_basic_host;
    }
  }
}

std::optional<RedirectMatch> Table::match_redirect(std::string_view host,
                                                   std::string_view uri) const {
  const Impl& impl = *impl_;
  auto source_of = [&impl](std::uint32_t r) { return impl.source(r); };
  auto exact = [&impl](std::uint32_t r) {
    RedirectRuleView rule = impl.redirect_view(r);
    return RedirectMatch{rule, std::string(rule.target), http_code(rule.status)};
  };
  const bool by_host = impl.basic_host.size() != 0 || impl.regex_host.size() != 0;
  Joined joined;
  if (by_host) joined.assign(host, uri);
  // Both exact stages: start both slot loads before waiting on either.
  std::uint64_t host_hash = 0, uri_hash = 0;
  if (impl.basic_host.size() != 0) {
    host_hash = ExactIndex::hash(joined.view());
    impl.basic_host.prefetch(host_hash);
  }
  if (impl.basic.size() != 0) {
    uri_hash = ExactIndex::hash(uri);
    impl.basic.prefetch(uri_hash);
  }
  if (impl.basic_host.size() != 0) {
    if (auto r = impl.basic_host.find(joined.view(), host_hash, source_of)) return exact(*r);
  }
  if (impl.basic.size() != 0) {
    if (auto r = impl.basic.find(uri, uri_hash, source_of)) return exact(*r);
  }
  // The regex stages read the input as Go's regexp does (go_reading.hpp);
  // the groups are then the bytes as received.
  RegexStage::Hit hit;
  auto match_stage = [&hit](const RegexStage& stage, std::string_view input) {
    if (stage.size() == 0) return false;
    const GoReading reading(input);
    if (!stage.match(reading.text(), &hit)) return false;
    for (int g = 1; g <= hit.group_count; ++g) {
      const std::string_view piece = reading.original({hit.groups[g].data(), hit.groups[g].size()});
      hit.groups[g] = re2::StringPiece(piece.data(), piece.size());
    }
    return true;
  };
  const bool found = match_stage(impl.regex_host, joined.view()) || match_stage(impl.regex, uri);
  if (!found) return std::nullopt;
  RedirectRuleView rule = impl.redirect_view(hit.id);
  return RedirectMatch{rule, substitute(rule.target, hit.groups, hit.group_count),
                       http_code(rule.status)};
}

std::optional<PageView> Table::match_page(std::string_view host, std::string_view uri) const {
  const Impl& impl = *impl_;
  auto path_of = [&impl](std::uint32_t p) { return impl.path(p); };
  if (impl.pages_basic_host.size() != 0) {
    Joined joined;
    joined.assign(host, uri);
    if (auto p = impl.pages_basic_host.find(joined.view(), path_of)) return impl.page_view(*p);
  }
  if (auto p = impl.pages_basic.find(uri, path_of)) return impl.page_view(*p);
  return std::nullopt;
}

}  // namespace flecto
