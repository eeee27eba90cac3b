#include "agent/manager/api_json.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace flecto {
namespace {

simdjson::dom::element parse_body(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element root;
  bool padded = body.capacity() - body.size() >= simdjson::SIMDJSON_PADDING;
  if (auto error = parser.parse(body.data(), body.size(), !padded).get(root)) {
    throw JsonShapeError("malformed JSON near " + locate_json_error(body) + ": " + simdjson::error_message(error));
  }
  return root;
}

std::optional<std::int64_t> integer_field(simdjson::dom::element value, std::string_view name) {
  if (value.is_null()) return std::nullopt;
  if (!value.is_int64()) throw JsonShapeError(std::string(name) + ": expected an integer");
  return value.get_int64().value();
}

// A string field as a view: null is "", another type an error naming
// `where` and `name` ("redirects[3].status: expected a string").
std::string_view string_view_field(simdjson::dom::element value, std::string_view where, const char* name) {
  if (value.is_null()) return {};
  if (!value.is_string()) throw JsonShapeError(std::string(where) + "." + name + ": expected a string");
  return std::string_view(value.get_string());
}

// Hands one item to `sink`; a key given twice counts with its last value.
void read_redirect(simdjson::dom::object item, std::string_view where, ListingSink& sink) {
  std::string_view type, source, target, status;
  for (auto [key, value] : item) {
    if (key_equals(key, "type")) type = string_view_field(value, where, "type");
    else if (key_equals(key, "source")) source = string_view_field(value, where, "source");
    else if (key_equals(key, "target")) target = string_view_field(value, where, "target");
    else if (key_equals(key, "status")) status = string_view_field(value, where, "status");
  }
  sink.add_redirect(type, source, target, status);
}

void read_page(simdjson::dom::object item, std::string_view where, ListingSink& sink) {
  std::string_view type, path, content, content_type;
  for (auto [key, value] : item) {
    if (key_equals(key, "type")) type = string_view_field(value, where, "type");
    else if (key_equals(key, "path")) path = string_view_field(value, where, "path");
    else if (key_equals(key, "content")) content = string_view_field(value, where, "content");
    else if (key_equals(key, "contentType")) content_type = string_view_field(value, where, "contentType");
  }
  sink.add_page(type, path, content, content_type);
}

// Takes the items of an Items that a later one replaces: they are checked,
// as every value is, but not kept.
class DroppingSink final : public ListingSink {
 public:
  void add_redirect(std::string_view, std::string_view, std::string_view, std::string_view) override {}
  void add_page(std::string_view, std::string_view, std::string_view, std::string_view) override {}
};

template <typename ReadItem>
PageFields parse_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                      std::string_view list_name, ListingSink& sink, ReadItem read_item) {
  simdjson::dom::element root = parse_body(parser, body);
  if (!root.is_object()) throw JsonShapeError("expected a JSON object with Items and Total");
  const simdjson::dom::object object = root.get_object();
  // A key given twice counts with its last value: only the last Items goes
  // to the sink, so that no item is handed and then taken back.
  std::size_t items_keys = 0;
  for (auto field : object) items_keys += key_equals(field.key, "items") ? 1 : 0;
  PageFields page;
  DroppingSink dropped;
  for (auto [key, value] : object) {
    if (key_equals(key, "items")) {
      ListingSink& to = --items_keys == 0 ? sink : dropped;
      page.items = 0;
      if (value.is_null()) continue;
      if (!value.is_array()) throw JsonShapeError("Items: expected an array");
      std::size_t index = first_index;
      std::string where;  // reused: one allocation per page, not per item
      for (simdjson::dom::element element : value.get_array()) {
        where.assign(list_name);
        where += '[';
        where += std::to_string(index++);
        where += ']';
        if (!element.is_object()) throw JsonShapeError(where + ": expected an object");
        read_item(element.get_object(), where, to);
        ++page.items;
      }
    } else if (key_equals(key, "total")) {
      page.total = integer_field(value, "Total");
    } else if (key_equals(key, "limit")) {
      page.limit = integer_field(value, "Limit");
    } else if (key_equals(key, "offset")) {
      page.offset = integer_field(value, "Offset");
    } else if (key_equals(key, "next")) {
      if (value.is_null()) continue;
      if (!value.is_string()) throw JsonShapeError("Next: expected a string");
      page.next = std::string(std::string_view(value.get_string()));
    }
  }
  return page;
}

template <typename Item>
ListingPage<Item> with_items(PageFields fields, std::vector<Item> items) {
  return ListingPage<Item>{std::move(items), fields.total, fields.limit, fields.offset, std::move(fields.next)};
}

// The length of the valid UTF-8 sequence at the start of `text` (1 to 4),
// or 0 when it does not start with one (overlong forms, surrogates and code
// points past U+10FFFF are invalid, as in every strict decoder).
std::size_t utf8_sequence_length(std::string_view text) {
  const auto c0 = static_cast<unsigned char>(text[0]);
  if (c0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min1 = 0x80, max1 = 0xBF;  // the bounds of the second byte
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    length = 2;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    length = 3;
    if (c0 == 0xE0) min1 = 0xA0;
    if (c0 == 0xED) max1 = 0x9F;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    length = 4;
    if (c0 == 0xF0) min1 = 0x90;
    if (c0 == 0xF4) max1 = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (i == 1 ? (c < min1 || c > max1) : (c < 0x80 || c > 0xBF)) return 0;
  }
  return length;
}

}  // namespace

std::string bound_report_error(std::string_view error) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  static constexpr std::string_view kEllipsis = "...";
  std::string out;
  out.reserve(std::min(error.size(), kMaxReportErrorChars * 4));
  std::size_t chars = 0;
  // Where the text is cut if it turns out too long: after the last code
  // point that leaves room for the ellipsis.
  std::size_t cut = 0;
  while (!error.empty()) {
    if (chars == kMaxReportErrorChars) {
      out.resize(cut);
      out += kEllipsis;
      return out;
    }
    const std::size_t length = utf8_sequence_length(error);
    if (length == 0) {
      out += kReplacement;
      error.remove_prefix(1);
    } else {
      out += error.substr(0, length);
      error.remove_prefix(length);
    }
    if (++chars == kMaxReportErrorChars - kEllipsis.size()) cut = out.size();
  }
  return out;
}

LoadReport report_for_manager(LoadReport report) {
  report.error = bound_report_error(report.error);
  report.load_duration = std::max(report.load_duration, std::chrono::nanoseconds(1));
  return report;
}

std::int64_t parse_version_body(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(body.data(), body.size()).get(root)) {
    throw JsonShapeError(std::string("malformed version: ") + simdjson::error_message(error));
  }
  return version_from_json(root);
}

void padded_for_simdjson(std::string& body) { body.reserve(body.size() + simdjson::SIMDJSON_PADDING); }

PageFields parse_redirects_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                                ListingSink& sink) {
  return parse_page(parser, body, first_index, "redirects", sink, read_redirect);
}

PageFields parse_pages_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                            ListingSink& sink) {
  return parse_page(parser, body, first_index, "pages", sink, read_page);
}

ListingPage<Redirect> parse_redirects_page(simdjson::dom::parser& parser, const std::string& body,
                                           std::size_t first_index) {
  RulesCollector collected;
  PageFields fields = parse_redirects_page(parser, body, first_index, collected);
  return with_items(std::move(fields), std::move(collected.rules.redirects));
}

ListingPage<Page> parse_pages_page(simdjson::dom::parser& parser, const std::string& body,
                                   std::size_t first_index) {
  RulesCollector collected;
  PageFields fields = parse_pages_page(parser, body, first_index, collected);
  return with_items(std::move(fields), std::move(collected.rules.pages));
}

ListingWalk::ListingWalk(std::int64_t limit) : limit_(limit) {
  if (limit <= 0) throw std::invalid_argument("listing page size must be positive");
}

bool ListingWalk::accept(std::size_t item_count, std::optional<std::int64_t> total,
                         std::optional<std::int64_t> page_limit, const std::string& next) {
  ++pages_;
  const auto count = static_cast<std::int64_t>(item_count);
  if (!total) throw ListingError("no Total in the listing");
  if (*total < 0) throw ListingError("negative Total " + std::to_string(*total));
  if (pages_ == 1) {
    total_ = *total;
    // A manager may serve fewer per page than asked and say so in Limit.
    std::int64_t per_page = page_limit && *page_limit > 0 && *page_limit < limit_ ? *page_limit : limit_;
    const std::int64_t full_pages = total_ / per_page + (total_ % per_page != 0 ? 1 : 0);
    // Total is the manager's word and may be INT64_MAX: saturate, do not overflow.
    max_pages_ = full_pages < INT64_MAX ? full_pages + 1 : full_pages;
  } else if (*total != total_) {
    throw ListingError("Total changed from " + std::to_string(total_) + " to " + std::to_string(*total) +
                       " during the listing");
  }
  items_ += count;
  if (items_ > total_) {
    throw ListingError("more items (" + std::to_string(items_) + ") than Total (" + std::to_string(total_) + ")");
  }
  if (pages_ > max_pages_) {
    throw ListingError("more pages (" + std::to_string(pages_) + ") than Total " + std::to_string(total_) +
                       " explains at " + std::to_string(limit_) + " per page");
  }
  if (!next.empty()) {
    if (count == 0) throw ListingError("a page with no items but a Next cursor");
    if (!cursors_.insert(next).second) throw ListingError("the manager gave the same Next cursor twice");
    cursor_ = next;
    return false;
  }
  if (items_ < total_) {
    if (count == 0) {
      throw ListingError("a page with no items while Total says " + std::to_string(total_) + " and only " +
                         std::to_string(items_) + " came");
    }
    cursor_.clear();
    offset_ = items_;
    return false;
  }
  return true;
}

}  // namespace flecto
