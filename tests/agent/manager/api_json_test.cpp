// The manager's version and listing pages, and the walk over a listing.

#include <catch2/catch.hpp>

#include "agent/manager/api_json.hpp"
#include "agent/config/manager_url.hpp"

namespace flecto {
namespace {

ListingPage<Redirect> redirects_page(std::string body, std::size_t first_index = 0) {
  simdjson::dom::parser parser;
  padded_for_simdjson(body);
  return parse_redirects_page(parser, body, first_index);
}

}  // namespace

TEST_CASE("manager api json: version forms", "[manager_api_json]") {
  CHECK(parse_version_body("3") == 3);
  CHECK(parse_version_body("3\n") == 3);
  CHECK(parse_version_body(" \t 17 \r\n") == 17);
  CHECK(parse_version_body("\"3\"") == 3);
  CHECK(parse_version_body("  \"42\"\n") == 42);
  CHECK(parse_version_body("0") == 0);
  CHECK(parse_version_body("9223372036854775807") == INT64_MAX);
  for (const char* bad : {"", " ", "-1", "\"-1\"", "3x", "\"3", "\"\"", "\" 3\"", "\"3a\"", "3.5", "1e3", "null",
                          "true", "{\"version\":3}", "[3]", "3 4", "18446744073709551615",
                          "\"99999999999999999999\""}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_version_body(bad), JsonShapeError);
  }
}

TEST_CASE("manager api json: listing keys in any case, unknown keys ignored", "[manager_api_json]") {
  for (const char* body :
       {R"({"Items":[{"type":"BASIC","source":"/a","target":"/b","status":"FOUND"}],)"
        R"("Total":1,"Limit":5,"Offset":0,"Next":"c1","Extra":{"x":[1]}})",
        R"({"items":[{"Type":"BASIC","SOURCE":"/a","target":"/b","status":"FOUND","id":9}],)"
        R"("total":1,"limit":5,"offset":0,"next":"c1"})",
        R"({"ITEMS":[{"type":"BASIC","source":"/a","target":"/b","status":"FOUND"}],)"
        R"("TOTAL":1,"LIMIT":5,"OFFSET":0,"NEXT":"c1"})"}) {
    INFO(body);
    auto page = redirects_page(body);
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0] == Redirect{"BASIC", "/a", "/b", "FOUND"});
    CHECK(page.total == 1);
    CHECK(page.limit == 5);
    CHECK(page.offset == 0);
    CHECK(page.next == "c1");
  }
}

TEST_CASE("manager api json: null and missing fields", "[manager_api_json]") {
  auto page = redirects_page(R"({"Items":null,"Total":0,"Next":null})");
  CHECK(page.items.empty());
  CHECK(page.total == 0);
  CHECK(page.next.empty());
  CHECK_FALSE(page.limit);
  page = redirects_page(R"({})");
  CHECK(page.items.empty());
  CHECK_FALSE(page.total);
}

TEST_CASE("manager api json: wrong types and malformed pages", "[manager_api_json]") {
  for (const char* bad : {R"([])", R"("x")", R"({"Items":{}})", R"({"Items":[1]})", R"({"Total":"3"})",
                          R"({"Total":1.5})", R"({"Limit":"5"})", R"({"Next":5})",
                          R"({"Items":[{"status":301}],"Total":1})", R"({"Items":[)", R"({"Items":[]},)",
                          R"({"Items":[],"Total":1)"}) {
    INFO(bad);
    CHECK_THROWS_AS(redirects_page(bad), JsonShapeError);
  }
  try {
    redirects_page(R"({"Items":[{},{"source":7}],"Total":2})", 500);
    FAIL("expected an error");
  } catch (const JsonShapeError& e) {
    CHECK_THAT(e.what(), Catch::Contains("redirects[501].source"));
  }
}

TEST_CASE("manager api json: pages", "[manager_api_json]") {
  simdjson::dom::parser parser;
  std::string body = R"({"items":[{"type":"BASIC_HOST","path":"h/p","contentType":"XML","content":"<a/>"}],"total":1})";
  padded_for_simdjson(body);
  auto page = parse_pages_page(parser, body, 0);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0] == Page{"BASIC_HOST", "h/p", "<a/>", "XML"});
}

TEST_CASE("listing walk: cursors, with the empty page after a full last page", "[manager_api_json]") {
  ListingWalk walk(100);
  CHECK(walk.cursor().empty());
  CHECK(walk.offset() == 0);
  CHECK_FALSE(walk.accept(100, 200, 100, "c1"));
  CHECK(walk.cursor() == "c1");
  CHECK_FALSE(walk.accept(100, 200, 100, "c2"));
  CHECK(walk.cursor() == "c2");
  CHECK(walk.accept(0, 200, 100, ""));
  CHECK(walk.items() == 200);
  CHECK(walk.pages() == 3);
}

TEST_CASE("listing walk: offsets, and a manager that serves less than asked", "[manager_api_json]") {
  ListingWalk walk(100);
  CHECK_FALSE(walk.accept(40, 100, 40, ""));
  CHECK(walk.cursor().empty());
  CHECK(walk.offset() == 40);
  CHECK_FALSE(walk.accept(40, 100, 40, ""));
  CHECK(walk.offset() == 80);
  CHECK(walk.accept(20, 100, 40, ""));

  ListingWalk empty(100);
  CHECK(empty.accept(0, 0, 100, ""));
}

TEST_CASE("listing walk: a Next that stops mid-listing falls back to offsets", "[manager_api_json]") {
  ListingWalk walk(10);
  CHECK_FALSE(walk.accept(10, 25, 10, "c1"));
  CHECK_FALSE(walk.accept(5, 25, 10, ""));
  CHECK(walk.cursor().empty());
  CHECK(walk.offset() == 15);
  CHECK(walk.accept(10, 25, 10, ""));
}

TEST_CASE("listing walk: guards", "[manager_api_json]") {
  SECTION("no Total") {
    ListingWalk walk(10);
    CHECK_THROWS_AS(walk.accept(10, std::nullopt, 10, ""), ListingError);
  }
  SECTION("negative Total") {
    ListingWalk walk(10);
    CHECK_THROWS_AS(walk.accept(0, -1, 10, ""), ListingError);
  }
  SECTION("no items while more are due") {
    ListingWalk walk(10);
    CHECK_FALSE(walk.accept(10, 30, 10, ""));
    CHECK_THROWS_WITH(walk.accept(0, 30, 10, ""), Catch::Contains("no items"));
  }
  SECTION("an empty page with a Next") {
    ListingWalk walk(10);
    CHECK_THROWS_AS(walk.accept(0, 30, 10, "c1"), ListingError);
  }
  SECTION("a repeating cursor") {
    ListingWalk walk(10);
    CHECK_FALSE(walk.accept(10, 30, 10, "c1"));
    CHECK_FALSE(walk.accept(10, 30, 10, "c2"));
    CHECK_THROWS_WITH(walk.accept(5, 30, 10, "c1"), Catch::Contains("same Next cursor"));
  }
  SECTION("more items than Total") {
    ListingWalk walk(10);
    CHECK_FALSE(walk.accept(10, 15, 10, "c1"));
    CHECK_THROWS_WITH(walk.accept(10, 15, 10, ""), Catch::Contains("more items"));
  }
  SECTION("a Total that changes") {
    ListingWalk walk(10);
    CHECK_FALSE(walk.accept(10, 30, 10, "c1"));
    CHECK_THROWS_WITH(walk.accept(10, 31, 10, "c2"), Catch::Contains("Total changed"));
  }
  SECTION("more pages than Total explains") {
    ListingWalk walk(10);
    CHECK_FALSE(walk.accept(1, 20, 10, "c1"));
    CHECK_FALSE(walk.accept(1, 20, 10, "c2"));
    CHECK_FALSE(walk.accept(1, 20, 10, "c3"));  // 20 / 10 + the trailing empty page
    CHECK_THROWS_WITH(walk.accept(1, 20, 10, "c4"), Catch::Contains("more pages"));
  }
  SECTION("a walk always ends") {
    // Whatever a manager answers, accept() returns true or throws within
    // Total / limit + 1 pages.
    ListingWalk walk(7);
    int pages = 0;
    bool ended = false;
    try {
      while (!walk.accept(3, 100, 7, "c" + std::to_string(pages))) ++pages;
      ended = true;
    } catch (const ListingError&) {
      ended = true;
    }
    CHECK(ended);
    CHECK(pages <= 100 / 7 + 2);
  }
  CHECK_THROWS_AS(ListingWalk(0), std::invalid_argument);
}

// Found by fuzz/manager_api_fuzzer: the page bound was Total / per page + 1,
// which overflowed (undefined behaviour; in practice a negative bound that
// refused the first page) for Total = INT64_MAX at one item per page.
TEST_CASE("listing walk: the largest Total does not overflow the page bound", "[manager_api_json]") {
  ListingWalk walk(500);
  CHECK_FALSE(walk.accept(1, INT64_MAX, 1, ""));
  CHECK(walk.offset() == 1);
  ListingWalk by_one(1);
  CHECK_FALSE(by_one.accept(1, INT64_MAX, std::nullopt, ""));
}

TEST_CASE("manager url: parts and defaults", "[manager_api_json]") {
  auto url = parse_manager_url("https://manager.example.com");
  CHECK(url.scheme == "https");
  CHECK(url.host == "manager.example.com");
  CHECK(url.port == 443);
  CHECK(url.base_path.empty());
  CHECK(url.origin() == "https://manager.example.com:443");
  url = parse_manager_url("http://10.0.0.1:8080/flecto/manager//");
  CHECK(url.port == 8080);
  CHECK(url.base_path == "/flecto/manager");
  CHECK(url.to_string() == "http://10.0.0.1:8080/flecto/manager");
  url = parse_manager_url("http://[::1]:9000/");
  CHECK(url.host == "[::1]");
  CHECK(url.port == 9000);
  CHECK(url.base_path.empty());
  CHECK(parse_manager_url("http://m").port == 80);
}

TEST_CASE("manager url: encoding", "[manager_api_json]") {
  CHECK(url_encode("abc-XYZ_0.9~") == "abc-XYZ_0.9~");
  CHECK(url_encode("+wA/b==") == "%2BwA%2Fb%3D%3D");
  CHECK(url_encode("a b&c?d#e%") == "a%20b%26c%3Fd%23e%25");
  CHECK(url_encode("\xc3\xa9") == "%C3%A9");
}

}  // namespace flecto

namespace flecto {

TEST_CASE("manager api json: a duplicate key, in an item or the envelope, is the last one", "[manager_api_json]") {
  auto page = redirects_page(
      R"({"Items":[{"type":"BASIC","source":"/a","target":"/b","status":"FOUND"}],)"
      R"("Items":[{"type":"BASIC","source":"/c","source":"/d","target":"/e","status":"FOUND"}],)"
      R"("Total":9,"Total":1,"Next":"x","Next":""})");
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0] == Redirect{"BASIC", "/d", "/e", "FOUND"});
  CHECK(page.total == 1);
  CHECK(page.next.empty());
  page = redirects_page(R"({"Items":[{"type":"BASIC","source":"/a","target":"/b","status":"FOUND"}],"items":null,"Total":0})");
  CHECK(page.items.empty());
}

TEST_CASE("manager api json: a page parsed into a sink hands only the last Items, as views", "[manager_api_json]") {
  // Counts what it is handed, and copies it while the views are valid.
  struct Sink final : ListingSink {
    void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                      std::string_view status) override {
      collected.add_redirect(type, source, target, status);
    }
    void add_page(std::string_view type, std::string_view path, std::string_view content,
                  std::string_view content_type) override {
      collected.add_page(type, path, content, content_type);
    }
    RulesCollector collected;
  };
  simdjson::dom::parser parser;
  std::string body =
      R"({"Items":[{"type":"BASIC","source":"/a","target":"/b","status":"FOUND"}],"Total":3,)"
      R"("Items":[{"type":"REGEX","source":"^/c\"(.*)$","target":"/e/$1","status":null},{"type":"BASIC_HOST"}],)"
      R"("Next":"n2"})";
  padded_for_simdjson(body);
  Sink sink;
  PageFields page = parse_redirects_page(parser, body, 0, sink);
  CHECK(page.items == 2);
  CHECK(page.total == 3);
  CHECK(page.next == "n2");
  CHECK(sink.collected.rules.redirects ==
        std::vector<Redirect>{{"REGEX", "^/c\"(.*)$", "/e/$1", ""}, {"BASIC_HOST", "", "", ""}});
  // An earlier Items is checked all the same: its error is the page's.
  std::string bad = R"({"Items":[{"type":7}],"Items":[],"Total":0})";
  padded_for_simdjson(bad);
  Sink unused;
  CHECK_THROWS_WITH(parse_redirects_page(parser, bad, 40, unused), "redirects[40].type: expected a string");
  CHECK(unused.collected.rules.redirects.empty());
  std::string pages = R"({"Items":[{"path":"/robots.txt","contentType":"TEXT_PLAIN","content":"x\n","type":"BASIC"}],"Total":1})";
  padded_for_simdjson(pages);
  Sink pages_sink;
  CHECK(parse_pages_page(parser, pages, 0, pages_sink).items == 1);
  CHECK(pages_sink.collected.rules.pages == std::vector<Page>{{"BASIC", "/robots.txt", "x\n", "TEXT_PLAIN"}});
}

TEST_CASE("manager api json: 1,000,000 nested arrays are an error, not a crash", "[manager_api_json]") {
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  CHECK_THROWS_AS(redirects_page(deep), JsonShapeError);
  CHECK_THROWS_AS(redirects_page(R"({"Items":[{"x":)" + deep + "}],\"Total\":1}"), JsonShapeError);
  CHECK_THROWS_AS(parse_version_body(deep), JsonShapeError);
}

namespace {

std::size_t code_points(const std::string& text) {
  std::size_t n = 0;
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("manager api json: a report's error fits 500 characters, cut at a code point", "[manager_api_json]") {
  CHECK(bound_report_error("") == "");
  CHECK(bound_report_error("1 rule skipped") == "1 rule skipped");
  const std::string ascii500(500, 'a');
  CHECK(bound_report_error(ascii500) == ascii500);
  CHECK(bound_report_error(ascii500 + "b") == std::string(497, 'a') + "...");
  // Multibyte characters count one each, as utf8mb4 counts them.
  for (const std::string ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    std::string exactly;
    for (int i = 0; i < 500; ++i) exactly += ch;
    CHECK(bound_report_error(exactly) == exactly);
    const std::string cut = bound_report_error("x" + exactly);
    CHECK(code_points(cut) == 500);
    CHECK(cut.size() == 1 + 496 * ch.size() + 3);
    CHECK(simdjson::validate_utf8(cut.data(), cut.size()));
    CHECK_THAT(cut, Catch::StartsWith("x" + ch) && Catch::EndsWith(ch + "..."));
  }
}

TEST_CASE("manager api json: a report's error is valid UTF-8", "[manager_api_json]") {
  // A lone continuation byte, a cut sequence, an overlong '/', a surrogate, past U+10FFFF.
  CHECK(bound_report_error("a\x80z") == "a\xEF\xBF\xBDz");
  CHECK(bound_report_error("a\xE2\x82") == "a\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(bound_report_error("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(bound_report_error("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(bound_report_error("\xF4\x90\x80\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  const std::string invalid(2000, '\xFF');
  const std::string fixed = bound_report_error(invalid);
  CHECK(code_points(fixed) == 500);
  CHECK(simdjson::validate_utf8(fixed.data(), fixed.size()));
}

TEST_CASE("manager api json: a report for the manager has a non-zero load_duration", "[manager_api_json]") {
  LoadReport zero{"edge-1", 3, true, std::chrono::nanoseconds(0), std::string(600, 'e')};
  LoadReport fit = report_for_manager(zero);
  CHECK(fit.load_duration == std::chrono::nanoseconds(1));
  CHECK(code_points(fit.error) == 500);
  CHECK(fit.name == "edge-1");
  CHECK(fit.version == 3);
  LoadReport measured{"edge-1", 3, false, std::chrono::milliseconds(150), "x"};
  CHECK(report_for_manager(measured).load_duration == std::chrono::milliseconds(150));
  CHECK(report_for_manager(measured).error == "x");
}

}  // namespace flecto
