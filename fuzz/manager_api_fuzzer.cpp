// The manager's version body and listing pages (agent/manager/api_json.hpp),
// fed with arbitrary bytes. Besides "no crash, no sanitizer report", it checks
// the documented contract: bad input is a JsonShapeError with a one-line
// message, a parsed version is non-negative, and a ListingWalk fed a parsed
// page over and over always ends, by completing or with a ListingError.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "agent/manager/api_json.hpp"
#include "agent/rules/rules_json.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void require_one_line(const std::exception& e) {
  const std::string_view what = e.what();
  require(!what.empty() && what.find('\n') == std::string_view::npos);
}

// Answers every request of a walk with `page`: the cursor repeats, the offset
// is ignored, which is as hostile as a manager can be with one page. The walk
// must end; when Total is small it must end within Total + 2 pages (every
// accepted page brings an item, and one empty page may close a full one).
template <typename Item>
void walk(const flecto::ListingPage<Item>& page, std::int64_t limit) {
  flecto::ListingWalk walk(limit);
  const bool small = page.total && *page.total >= 0 && *page.total <= 1000;
  const std::int64_t bound = small ? *page.total + 2 : 2000;
  try {
    for (std::int64_t i = 0; i < bound; ++i) {
      if (walk.accept(page.items.size(), page.total, page.limit, page.next)) return;
    }
  } catch (const flecto::ListingError& e) {
    require_one_line(e);
    return;
  }
  require(!small);
}

template <typename Item>
void walks(const flecto::ListingPage<Item>& page) {
  // The agent's default page size, the smallest one, and the page's own.
  walk(page, 500);
  walk(page, 1);
  if (page.limit && *page.limit > 0) walk(page, *page.limit);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  try {
    require(flecto::parse_version_body(input) >= 0);
  } catch (const flecto::JsonShapeError& e) {
    require_one_line(e);
  }

  // The client parses in place when the body has the padding capacity, and
  // from a copy otherwise: try both ways.
  simdjson::dom::parser parser;
  for (const bool padded : {true, false}) {
    std::string body(input);
    if (padded) flecto::padded_for_simdjson(body);
    try {
      walks(flecto::parse_redirects_page(parser, body, 0));
    } catch (const flecto::JsonShapeError& e) {
      require_one_line(e);
    }
    try {
      walks(flecto::parse_pages_page(parser, body, 1000));
    } catch (const flecto::JsonShapeError& e) {
      require_one_line(e);
    }
  }
  return 0;
}
