// The relay's listings as pure functions: paging by offset and by cursor at
// several limits, bad requests, and a cursor across a swap.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <cctype>
#include <string>
#include <vector>

#include "agent/manager/api_json.hpp"
#include "agent/relay/relay_listing.hpp"
#include "agent/relay/relay_version.hpp"
#include "agent/rules/rules_json.hpp"
#include "tests/agent/relay/relay_test_rules.hpp"

namespace flecto {
namespace {

struct ListedPage {
  std::vector<Redirect> items;
  std::int64_t total = -1, limit = -1, offset = -1;
  std::string next;
  bool has_next = false;
};

ListedPage parse(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(body);
  ListedPage page;
  for (auto [key, value] : root.get_object()) {
    if (key == "Items") {
      for (simdjson::dom::element item : value.get_array()) {
        Redirect r;
        for (auto [k, v] : item.get_object()) {
          std::string text(std::string_view(v.get_string()));
          if (k == "type") r.type = text;
          if (k == "source") r.source = text;
          if (k == "target") r.target = text;
          if (k == "status") r.status = text;
        }
        page.items.push_back(r);
      }
    } else if (key == "Total") {
      page.total = value.get_int64();
    } else if (key == "Limit") {
      page.limit = value.get_int64();
    } else if (key == "Offset") {
      page.offset = value.get_int64();
    } else if (key == "Next") {
      page.next = std::string(std::string_view(value.get_string()));
      page.has_next = true;
    }
  }
  return page;
}

RelayListingAnswer ask(const RelayVersion& held, RelayListingQuery query, const FindRelayVersion& find = {}) {
  return answer_relay_listing(RelayListingKind::kRedirects, query, held, find);
}

}  // namespace

TEST_CASE("relay listing: offset and cursor walks at limits 1, 100, 500 and 0 give every item once, in order",
          "[relay][relay_listing]") {
  const Rules rules = test::relay_rules(7, 1000);
  const auto held = RelayVersion::make(rules, 1);
  for (int limit : {1, 100, 500, 0}) {
    INFO("limit " << limit);
    std::vector<Redirect> by_offset, by_cursor;
    int pages = 0;
    for (std::int64_t offset = 0;; ++pages) {
      ListedPage page = parse(ask(*held, {std::to_string(limit), std::to_string(offset), std::nullopt}).body);
      REQUIRE(page.total == 1000);
      CHECK(page.limit == limit);
      CHECK(page.offset == offset);
      by_offset.insert(by_offset.end(), page.items.begin(), page.items.end());
      offset += static_cast<std::int64_t>(page.items.size());
      if (page.items.empty() || offset >= page.total) break;
      REQUIRE(pages < 2000);
    }
    CHECK(by_offset == rules.redirects);
    std::string cursor;
    for (pages = 0;; ++pages) {
      RelayListingQuery query{std::to_string(limit), std::nullopt, std::nullopt};
      if (!cursor.empty()) query.cursor = cursor;
      ListedPage page = parse(ask(*held, query).body);
      REQUIRE(page.has_next);
      by_cursor.insert(by_cursor.end(), page.items.begin(), page.items.end());
      if (page.next.empty()) break;
      cursor = page.next;
      REQUIRE(pages < 2000);
    }
    CHECK(by_cursor == rules.redirects);
    // A full last page has Next; the page after it is empty and ends the walk.
    CHECK(pages == (limit == 0 ? 0 : 1000 / limit));
  }
}

TEST_CASE("relay listing: the default limit is 500, and the page body is the manager's shape byte for byte",
          "[relay][relay_listing]") {
  const Rules rules = test::relay_rules(3, 2, 1);
  const auto held = RelayVersion::make(rules, 9);
  std::string expected = "{\"Items\":[";
  append_redirect_json(expected, rules.redirects[0]);
  expected += ',';
  append_redirect_json(expected, rules.redirects[1]);
  expected += "],\"Total\":2,\"Limit\":500,\"Offset\":0,\"Next\":\"\"}";
  CHECK(ask(*held, {}).body == expected);
  const RelayListingAnswer pages = answer_relay_listing(RelayListingKind::kPages, {}, *held, {});
  std::string page_json;
  append_page_json(page_json, rules.pages[0]);
  CHECK(pages.body == "{\"Items\":[" + page_json + "],\"Total\":1,\"Limit\":500,\"Offset\":0,\"Next\":\"\"}");
  CHECK(answer_relay_listing(RelayListingKind::kPages, {}, *held, {}, false).body.find("Next") == std::string::npos);
  // An offset past the end: an empty page, no Next.
  CHECK(ask(*held, {"10", "5", std::nullopt}).body == "{\"Items\":[],\"Total\":2,\"Limit\":10,\"Offset\":5,\"Next\":\"\"}");
}

TEST_CASE("relay listing: a bad limit, offset or cursor is 400 with a message", "[relay][relay_listing]") {
  const auto held = RelayVersion::make(test::relay_rules(3, 20), 1);
  const RelayCursor of_pages{RelayListingKind::kPages, 3, 1, 10, 3};
  std::string valid = encode_relay_cursor({RelayListingKind::kRedirects, 3, 1, 10, 20});
  std::string tampered = valid;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  const std::vector<RelayListingQuery> bad = {
      {"ten", std::nullopt, std::nullopt}, {"1.5", std::nullopt, std::nullopt}, {"", std::nullopt, std::nullopt},
      {std::nullopt, "-1", std::nullopt},  {std::nullopt, "x", std::nullopt},   {std::nullopt, "", std::nullopt},
      {std::nullopt, std::nullopt, "not a cursor!"},
      {std::nullopt, std::nullopt, "Zm9v"},  // base64url of "foo"
      {std::nullopt, std::nullopt, valid + "="},
      {std::nullopt, std::nullopt, tampered},
      {std::nullopt, std::nullopt, encode_relay_cursor(of_pages)},  // another listing's
  };
  for (const RelayListingQuery& query : bad) {
    INFO(query.limit.value_or("-") << " " << query.offset.value_or("-") << " " << query.cursor.value_or("-"));
    const RelayListingAnswer answer = ask(*held, query);
    CHECK(answer.status == 400);
    CHECK(answer.body.rfind("{\"message\":\"", 0) == 0);
  }
  CHECK(ask(*held, {std::nullopt, std::nullopt, valid}).status == 200);
  // A negative limit is every item, as the manager's GORM reads it.
  CHECK(parse(ask(*held, {"-1", std::nullopt, std::nullopt}).body).items.size() == 20);
}

TEST_CASE("relay listing: cursors name their version, decode to what they encode, and refuse edits",
          "[relay][relay_listing]") {
  const RelayCursor cursor{RelayListingKind::kPages, 12, 34, 500, 1000};
  const std::string text = encode_relay_cursor(cursor);
  for (char c : text) CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
  CHECK(decode_relay_cursor(text) == cursor);
  CHECK_FALSE(decode_relay_cursor(encode_relay_cursor({RelayListingKind::kPages, 12, 34, 1001, 1000})));
  CHECK_FALSE(decode_relay_cursor(""));
}

TEST_CASE("relay listing: a cursor walk across a swap ends on its version, and a gone version's cursor breaks "
          "the walk", "[relay][relay_listing]") {
  const Rules old_rules = test::relay_rules(1, 30), new_rules = test::relay_rules(2, 45);
  const auto old_version = RelayVersion::make(old_rules, 1);
  const auto new_version = RelayVersion::make(new_rules, 2);
  ListedPage first = parse(ask(*old_version, {"10", std::nullopt, std::nullopt}).body);
  REQUIRE_FALSE(first.next.empty());
  // Swapped: the current version is the new one, the old one still held.
  const FindRelayVersion held = [&](std::int64_t v, std::uint64_t s) {
    return v == 1 && s == 1 ? old_version : nullptr;
  };
  std::vector<Redirect> walked = first.items;
  std::string cursor = first.next;
  while (!cursor.empty()) {
    ListedPage page = parse(ask(*new_version, {"10", std::nullopt, cursor}, held).body);
    CHECK(page.total == 30);
    walked.insert(walked.end(), page.items.begin(), page.items.end());
    cursor = page.next;
  }
  CHECK(walked == old_rules.redirects);

  // The old version is gone: an empty page whose Total says more are due.
  const RelayListingAnswer gone = ask(*new_version, {"10", std::nullopt, first.next}, [](std::int64_t, std::uint64_t) {
    return std::shared_ptr<const RelayVersion>();
  });
  CHECK(gone.status == 200);
  CHECK(gone.gone);
  const ListedPage empty = parse(gone.body);
  CHECK(empty.items.empty());
  CHECK(empty.total == 30);
  CHECK(empty.offset == 10);
  CHECK(empty.next.empty());
  ListingWalk walk(10);
  CHECK_FALSE(walk.accept(10, 30, 10, first.next));
  CHECK_THROWS_AS(walk.accept(0, empty.total, empty.limit, empty.next), ListingError);
}

}  // namespace flecto
