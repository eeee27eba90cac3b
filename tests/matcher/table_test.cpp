#include "matcher/table.hpp"

#include <catch2/catch.hpp>

namespace flecto {
namespace {

Redirect redirect(std::string type, std::string source, std::string target,
                  std::string status = "MOVED_PERMANENT") {
  return {std::move(type), std::move(source), std::move(target), std::move(status)};
}

std::string target_of(const Table& table, std::string_view host, std::string_view uri) {
  std::optional<RedirectMatch> m = table.match_redirect(host, uri);
  return m ? m->target : "<none>";
}

TEST_CASE("table: stages in order, the first with a match decides", "[matcher][table]") {
  Rules rules;
  rules.redirects = {
      redirect("REGEX", "/(.*)", "/regex/$1"),
      redirect("REGEX_HOST", "example\\.com/(.*)", "/regex-host/$1"),
      redirect("BASIC", "/a", "/basic"),
      redirect("BASIC_HOST", "example.com/a", "/basic-host"),
  };
  BuildResult built = Table::build(rules);
  const Table& t = *built.table;
  CHECK(built.skipped.empty());
  CHECK(target_of(t, "example.com", "/a") == "/basic-host");
  CHECK(target_of(t, "other.com", "/a") == "/basic");
  CHECK(target_of(t, "example.com", "/b") == "/regex-host/b");
  CHECK(target_of(t, "other.com", "/b") == "/regex/b");
  CHECK(t.stats().basic == 1);
  CHECK(t.stats().basic_host == 1);
  CHECK(t.stats().regex == 1);
  CHECK(t.stats().regex_host == 1);
}

TEST_CASE("table: exact sources are byte for byte", "[matcher][table]") {
  Rules rules;
  rules.redirects = {redirect("BASIC", "/old?x=1", "/new"),
                     redirect("BASIC_HOST", "example.com:8080/p", "/port")};
  BuildResult built = Table::build(rules);
  CHECK(target_of(*built.table, "h", "/old?x=1") == "/new");
  CHECK(target_of(*built.table, "h", "/old") == "<none>");
  CHECK(target_of(*built.table, "h", "/OLD?x=1") == "<none>");
  CHECK(target_of(*built.table, "example.com:8080", "/p") == "/port");
  CHECK(target_of(*built.table, "example.com", "/p") == "<none>");
}

// The edge server passes a default-constructed string_view (data() null)
// when a request has no Host; under UndefinedBehaviorSanitizer this failed
// while host + uri was joined with memcpy.
TEST_CASE("table: an absent host is matched as an empty one", "[matcher][table]") {
  Rules rules;
  rules.redirects = {redirect("BASIC_HOST", "/a", "/basic-host"),
                     redirect("REGEX_HOST", "^/(b)$", "/regex-host/$1")};
  rules.pages = {{"BASIC_HOST", "/p", "page", "TEXT_PLAIN"}};
  BuildResult built = Table::build(rules);
  REQUIRE(built.skipped.empty());
  const std::string_view no_host;
  CHECK(target_of(*built.table, no_host, "/a") == "/basic-host");
  CHECK(target_of(*built.table, no_host, "/b") == "/regex-host/b");
  CHECK(target_of(*built.table, no_host, "/c") == "<none>");
  auto page = built.table->match_page(no_host, "/p");
  REQUIRE(page);
  CHECK(page->content == "page");
}

TEST_CASE("table: duplicates, the one listed last wins", "[matcher][table]") {
  Rules rules;
  rules.redirects = {redirect("BASIC", "/a", "/first", "FOUND"),
                     redirect("BASIC", "/a", "/second", "TEMPORARY_REDIRECT"),
                     redirect("BASIC_HOST", "h/a", "/h1"), redirect("BASIC_HOST", "h/a", "/h2")};
  rules.pages = {{"BASIC", "/p", "one", "TEXT_PLAIN"}, {"BASIC", "/p", "two", "XML"}};
  BuildResult built = Table::build(rules);
  std::optional<RedirectMatch> m = built.table->match_redirect("x", "/a");
  REQUIRE(m);
  CHECK(m->target == "/second");
  CHECK(m->code == 307);
  CHECK(target_of(*built.table, "h", "/a") == "/h2");
  std::optional<PageView> p = built.table->match_page("x", "/p");
  REQUIRE(p);
  CHECK(p->content == "two");
  CHECK(p->content_type == ContentType::kXml);
}

TEST_CASE("table: regex priority, longest source then first listed", "[matcher][table]") {
  Rules rules;
  rules.redirects = {
      redirect("REGEX", "/x/(.*)", "/first"),
      redirect("REGEX", "/(.*)/(.*)", "/longer"),  // longer source
      redirect("REGEX", "/x/(.+)", "/tie"),        // same length as the first
      redirect("REGEX", "/y/(.*)", "/y"),
  };
  BuildResult built = Table::build(rules);
  CHECK(target_of(*built.table, "h", "/x/a") == "/longer");
  CHECK(target_of(*built.table, "h", "/x") == "<none>");
  rules.redirects.erase(rules.redirects.begin() + 1);
  built = Table::build(rules);
  CHECK(target_of(*built.table, "h", "/x/a") == "/first");
  CHECK(target_of(*built.table, "h", "/y/b") == "/y");
}

TEST_CASE("table: the literal prefix gates candidates", "[matcher][table]") {
  Rules rules;
  rules.redirects = {redirect("REGEX", "/a[0-9]", "/hit"),
                     redirect("REGEX", "/product/([0-9]+)", "/p/$1"),
                     redirect("REGEX", "(?i)/about", "/about-us")};
  BuildResult built = Table::build(rules);
  const Table& t = *built.table;
  CHECK(target_of(t, "h", "/ab/a1") == "/hit");
  CHECK(target_of(t, "h", "/xb/a1") == "<none>");
  CHECK(target_of(t, "h", "/product/12") == "/p/12");
  CHECK(target_of(t, "h", "/x/product/12") == "<none>");
  CHECK(target_of(t, "h", "/x/ABOUT") == "/about-us");
}

TEST_CASE("table: codes and content types", "[matcher][table]") {
  Rules rules;
  rules.redirects = {redirect("BASIC", "/1", "/", "MOVED_PERMANENT"),
                     redirect("BASIC", "/2", "/", "FOUND"),
                     redirect("BASIC", "/3", "/", "TEMPORARY_REDIRECT"),
                     redirect("BASIC", "/4", "/", "PERMANENT_REDIRECT")};
  rules.pages = {{"BASIC_HOST", "h/robots.txt", "User-agent: *", "TEXT_PLAIN"}};
  BuildResult built = Table::build(rules);
  CHECK(built.table->match_redirect("h", "/1")->code == 301);
  CHECK(built.table->match_redirect("h", "/2")->code == 302);
  CHECK(built.table->match_redirect("h", "/3")->code == 307);
  CHECK(built.table->match_redirect("h", "/4")->code == 308);
  std::optional<PageView> p = built.table->match_page("h", "/robots.txt");
  REQUIRE(p);
  CHECK(p->type == PageType::kBasicHost);
  CHECK(p->content == "User-agent: *");
  CHECK(mime_type(p->content_type) == "text/plain");
  CHECK_FALSE(built.table->match_page("g", "/robots.txt"));
}

TEST_CASE("table: invalid rules are skipped and described, the rest applies", "[matcher][table]") {
  Rules rules;
  rules.version = 7;
  rules.redirects = {
      redirect("BASIC", "/ok", "/fine"),      redirect("WILDCARD", "/w", "/"),
      redirect("BASIC", "/old", "/", "GONE"), redirect("BASIC", "", "/"),
      redirect("REGEX", "/(unclosed", "/"),   redirect("REGEX_HOST", "h/a{2,1}", "/"),
      redirect("REGEX", "/r/(.*)", "/$1"),
  };
  rules.pages = {{"BASIC", "/p", "x", "HTML"},
                 {"FANCY", "/q", "x", "XML"},
                 {"BASIC", "", "x", "XML"},
                 {"BASIC", "/ok", "fine", "XML"}};
  BuildResult built = Table::build(rules);
  REQUIRE(built.skipped.size() == 8);
  CHECK(built.skipped[0].describe() == "redirect #2 \"/w\": unknown type \"WILDCARD\"");
  CHECK(built.skipped[1].describe() == "redirect #3 \"/old\": unknown status \"GONE\"");
  CHECK(built.skipped[2].describe() == "redirect #4 \"\": empty source");
  CHECK(built.skipped[3].index == 4);
  CHECK(built.skipped[3].reason.rfind("invalid regex: ", 0) == 0);
  CHECK(built.skipped[4].index == 5);
  CHECK(built.skipped[4].reason.rfind("invalid regex: ", 0) == 0);
  CHECK(built.skipped[5].describe() == "page #1 \"/p\": unknown contentType \"HTML\"");
  CHECK(built.skipped[6].describe() == "page #2 \"/q\": unknown type \"FANCY\"");
  CHECK(built.skipped[7].describe() == "page #3 \"\": empty path");
  for (const SkippedRule& s : built.skipped) {
    CHECK(s.describe().find('\n') == std::string::npos);
  }
  const Table& t = *built.table;
  CHECK(t.version() == 7);
  CHECK(t.stats().skipped == 8);
  CHECK(t.stats().basic == 1);
  CHECK(t.stats().regex == 1);
  CHECK(t.stats().regex_host == 0);
  CHECK(target_of(t, "h", "/ok") == "/fine");
  CHECK(target_of(t, "h", "/r/x") == "/x");
  CHECK(target_of(t, "h", "/old") == "<none>");
  REQUIRE(t.match_page("h", "/ok"));
  CHECK_FALSE(t.match_page("h", "/p"));
}

TEST_CASE("table: describe keeps one line", "[matcher][table]") {
  SkippedRule s{SkippedRule::Kind::kRedirect, 3, "/a\n\"b\"", "invalid regex: x\ny"};
  CHECK(s.describe() == "redirect #4 \"/a\\x0A\\\"b\\\"\": invalid regex: x y");
}

TEST_CASE("table: an empty table matches nothing", "[matcher][table]") {
  BuildResult built = Table::build(Rules{});
  CHECK_FALSE(built.table->match_redirect("h", "/"));
  CHECK_FALSE(built.table->match_page("h", "/"));
  CHECK(built.table->stats().memory_bytes > 0);
}

TEST_CASE("table: memory grows with the rules it holds", "[matcher][table][memory]") {
  Rules small, large;
  for (int i = 0; i < 100000; ++i) {
    std::string n = std::to_string(i);
    large.redirects.push_back(redirect("BASIC", "/some/path/" + n, "/target/" + n));
  }
  small.redirects.assign(large.redirects.begin(), large.redirects.begin() + 1000);
  std::size_t m_small = Table::build(small).table->stats().memory_bytes;
  std::size_t m_large = Table::build(large).table->stats().memory_bytes;
  // At least the bytes of the sources and targets, at most a few times more.
  std::size_t text = 0;
  for (const Redirect& r : large.redirects) text += r.source.size() + r.target.size();
  CHECK(m_large > text);
  CHECK(m_large < text * 4);
  CHECK(m_small < m_large / 50);
}

}  // namespace
}  // namespace flecto

namespace flecto {
namespace {

TEST_CASE("table: regex memory stays within the budget it was given", "[matcher][table][memory]") {
  Rules rules;
  for (int i = 0; i < 300; ++i) {
    std::string n = std::to_string(i);
    rules.redirects.push_back({"REGEX", "^/section" + n + "/([a-z]+)/(\\d+)$", "/s/$1", "FOUND"});
    rules.redirects.push_back({"REGEX", "(?i)/product" + n + "/(\\d+)", "/p/$1", "FOUND"});
  }
  std::size_t previous = 0;
  for (std::size_t budget :
       {std::size_t{16} << 20, std::size_t{64} << 20, std::size_t{256} << 20}) {
    TableOptions options;
    options.regex_memory_budget = budget;
    BuildResult built = Table::build(rules, options);
    const TableStats& stats = built.table->stats();
    INFO("budget " << budget << ", memory " << stats.memory_bytes);
    CHECK(stats.regex == 600);
    CHECK(stats.regex_sets >= 5);  // 600 rules, 128 per set
    // What RE2 is handed stays in the budget; the rest is the table's own
    // containers, well under a kilobyte per rule.
    CHECK(stats.memory_bytes <= budget + 600 * 1024);
    CHECK(stats.memory_bytes >= previous);
    previous = stats.memory_bytes;
  }
}

}  // namespace
}  // namespace flecto

namespace flecto {
namespace {

TEST_CASE("table: rules with their own prefixes need no sets", "[matcher][table]") {
  Rules rules;
  for (int i = 0; i < 500; ++i) {
    std::string n = std::to_string(i);
    rules.redirects.push_back(
        {"REGEX", "^/section" + n + "/([a-z]+)/(\\d+)$", "/s/" + n + "/$1/$2", "FOUND"});
    rules.redirects.push_back(
        {"REGEX", "/legacy" + n + "/(?:index|home)\\.php", "/l/" + n, "FOUND"});
  }
  // At most two candidates for any input ("/section1/" and "/section10/"
  // cannot both be prefixes of one input; "/legacy1/" and "/section1/"
  // neither): the sets would never be asked, so none are built.
  BuildResult built = Table::build(rules);
  CHECK(built.table->stats().regex_sets == 0);
  CHECK(target_of(*built.table, "h", "/section17/abc/42") == "/s/17/abc/42");
  CHECK(target_of(*built.table, "h", "/section17/abc/x") == "<none>");
  CHECK(target_of(*built.table, "h", "/legacy499/home.php?x") == "/l/499");
  CHECK(target_of(*built.table, "h", "/x/legacy499/home.php") == "<none>");
  // One rule without a prefix more per input is still few enough.
  rules.redirects.push_back({"REGEX", ".*\\.asp$", "/asp", "FOUND"});
  built = Table::build(rules);
  CHECK(built.table->stats().regex_sets == 0);
  CHECK(target_of(*built.table, "h", "/section17/abc/42") == "/s/17/abc/42");
  CHECK(target_of(*built.table, "h", "/x/y.asp") == "/asp");
  // Nine rules that share a prefix are not.
  for (int i = 0; i < 9; ++i) {
    rules.redirects.push_back(
        {"REGEX", "/shared/([a-z]+)/" + std::to_string(i), "/$1/" + std::to_string(i), "FOUND"});
  }
  built = Table::build(rules);
  CHECK(built.table->stats().regex_sets > 0);
  CHECK(target_of(*built.table, "h", "/shared/x/8") == "/x/8");
}

// Go's regexp reads an invalid UTF-8 byte as U+FFFD, which `.` and `[^/]`
// match; RE2 alone would not, and these requests went unredirected.
TEST_CASE("table: regexes read invalid UTF-8 as Go does, groups keep the bytes received",
          "[matcher][table]") {
  Rules rules;
  rules.redirects = {redirect("REGEX", "^/old/(.*)$", "/new/$1"),
                     redirect("REGEX", "^/one/([^/])$", "/single/$1"),
                     redirect("REGEX", "^/fffd/\\x{FFFD}$", "/replacement"),
                     redirect("REGEX_HOST", "^h(.)st/host$", "/host/$1")};
  BuildResult built = Table::build(rules);
  REQUIRE(built.skipped.empty());
  const Table& t = *built.table;
  CHECK(target_of(t, "h", "/old/caf\xE9/x") == "/new/caf\xE9/x");
  CHECK(target_of(t, "h", "/old/a\xFF" "b\xE2\x82") == "/new/a\xFF" "b\xE2\x82");
  CHECK(target_of(t, "h", "/one/\xFF") == "/single/\xFF");
  CHECK(target_of(t, "h", "/one/\xC0\x80") == "<none>");  // two bytes: two characters
  CHECK(target_of(t, "h", "/fffd/\x80") == "/replacement");
  CHECK(target_of(t, "h\xFFst", "/host") == "/host/\xFF");
  // Valid UTF-8 is unchanged: one character, two bytes.
  CHECK(target_of(t, "h", "/one/\xC3\xA9") == "/single/\xC3\xA9");
}

}  // namespace
}  // namespace flecto
