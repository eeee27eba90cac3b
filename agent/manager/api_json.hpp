// The manager's answers that are not rules: the version, and the paging of
// listings (one page's fields, and the walk over all pages with its guards);
// and the bounds a report must keep for the manager to store it. Kept apart
// from the HTTP client so that they can be tested without one.

#ifndef FLECTO_AGENT_MANAGER_API_JSON_HPP_
#define FLECTO_AGENT_MANAGER_API_JSON_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <simdjson.h>

#include "agent/manager/api.hpp"
#include "agent/rules/rules_json.hpp"
#include "matcher/rule.hpp"

namespace flecto {

// The body of GET .../version: a version as version_from_json() reads it
// (agent/rules/rules_json.hpp: `3` or `"3"`), whitespace around it allowed;
// null is refused, as every other body. Throws JsonShapeError ("malformed
// version: ..." for text that is not JSON).
std::int64_t parse_version_body(std::string_view body);

// One page of a listing. Keys are matched without regard to case (Items,
// items, ...) and unknown keys are ignored; a missing or null Items is an
// empty page, a missing or null Next is "" (none). A key given twice (in the
// envelope or in an item) counts once, with its last value, as in rules files.
template <typename Item>
struct ListingPage {
  std::vector<Item> items;
  std::optional<std::int64_t> total;
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
  std::string next;
};

// One page's fields but its items, which went to a sink.
struct PageFields {
  std::size_t items = 0;  // how many were handed to the sink
  std::optional<std::int64_t> total;
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
  std::string next;
};

// Parse one page's body with `parser` (reused across pages), handing each
// item of its (last) Items to `sink` as views into the parser's buffers.
// `first_index` is the listing index of the page's first item, for error
// messages ("redirects[1203].status: expected a string"). Throw
// JsonShapeError for malformed JSON or a value of the wrong type (the items
// before it were handed). The body must be followed by
// simdjson::SIMDJSON_PADDING bytes of capacity (see padded_for_simdjson).
PageFields parse_redirects_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                                ListingSink& sink);
PageFields parse_pages_page(simdjson::dom::parser& parser, const std::string& body, std::size_t first_index,
                            ListingSink& sink);

// The same, the items collected as strings.
ListingPage<Redirect> parse_redirects_page(simdjson::dom::parser& parser, const std::string& body,
                                           std::size_t first_index);
ListingPage<Page> parse_pages_page(simdjson::dom::parser& parser, const std::string& body,
                                   std::size_t first_index);

// Grows `body`'s capacity so that simdjson can parse it in place.
void padded_for_simdjson(std::string& body);

// A listing that cannot be walked consistently.
class ListingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The walk over a listing's pages (manager-api.md, "Walking a listing"):
//
//   ListingWalk walk(limit);
//   do { ask for walk.cursor() or walk.offset(); } while (!walk.accept(...));
//
// It follows a non-empty Next (asking with cursor=Next; the offset is then
// ignored), else pages by offset while offset + items < Total. Guards, each
// a ListingError: a missing or negative Total; a Total that changes between
// pages; more items than Total; a page with no items while more are due or
// with a Next; a cursor that was already given; more pages than Total at the
// page size can explain (plus the empty page that follows a full last page).
// So a walk always ends.
class ListingWalk {
 public:
  explicit ListingWalk(std::int64_t limit);

  // What to ask for next: a cursor when non-empty, else offset().
  const std::string& cursor() const { return cursor_; }
  std::int64_t offset() const { return offset_; }
  std::int64_t limit() const { return limit_; }
  std::int64_t pages() const { return pages_; }
  std::int64_t items() const { return items_; }

  // Takes the answer to the request above; returns true when the listing is
  // complete. Throws ListingError.
  bool accept(std::size_t item_count, std::optional<std::int64_t> total, std::optional<std::int64_t> page_limit,
              const std::string& next);

 private:
  std::int64_t limit_;
  std::string cursor_;
  std::int64_t offset_ = 0;
  std::int64_t pages_ = 0;
  std::int64_t items_ = 0;
  std::int64_t total_ = -1;
  std::int64_t max_pages_ = 0;
  std::unordered_set<std::string> cursors_;
};

// The manager stores a report's error in a VARCHAR(500) column (utf8mb4,
// which counts characters: code points); with MySQL in strict mode a longer
// one makes the whole report fail with 500.
inline constexpr std::size_t kMaxReportErrorChars = 500;

// `error` as the manager can store it: valid UTF-8 (each byte of an invalid
// sequence becomes U+FFFD), and at most kMaxReportErrorChars code points:
// a longer one is cut at a code point boundary and ends with "...". Its
// start, which names what failed, is kept.
std::string bound_report_error(std::string_view error);

// `report` as the manager takes it: its error bounded as above, and a
// load_duration of at least 1 ns (the manager refuses to create an agent's
// row with 0). Every report the agent sends goes through it.
LoadReport report_for_manager(LoadReport report);

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_API_JSON_HPP_
