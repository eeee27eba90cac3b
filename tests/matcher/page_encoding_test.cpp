// A page's ETag and gzip form (matcher/page_encoding.hpp), and how the table
// keeps them (PageView, TableStats::memory_bytes). The gzip form is checked
// by inflating it with zlib, independently of how it was made.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <random>
#include <regex>
#include <string>

#include "matcher/page_encoding.hpp"
#include "tests/agent/manager/compress.hpp"
#include "matcher/table.hpp"

using namespace flecto;

namespace {

using flecto::test::gunzip;

// A sitemap of `n` URLs: text that compresses well.
std::string sitemap(int n) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset>\n";
  for (int i = 0; i < n; ++i) xml += "  <url><loc>https://example.com/page/" + std::to_string(i) + "</loc></url>\n";
  return xml + "</urlset>\n";
}

// `n` random bytes: gzip cannot make them smaller.
std::string noise(std::size_t n) {
  std::mt19937 random(42);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xff);
  return bytes;
}

Rules rules_with_page(std::string content, std::string type = "XML") {
  Rules rules;
  rules.version = 3;
  rules.pages = {Page{"BASIC", "/sitemap.xml", std::move(content), std::move(type)}};
  return rules;
}

}  // namespace

TEST_CASE("page encoding: the ETag is a quoted strong tag of 32 hex digits", "[matcher][page_encoding]") {
  const std::string tag = page_etag("User-agent: *\n", ContentType::kTextPlain);
  CHECK(std::regex_match(tag, std::regex("\"[0-9a-f]{32}\"")));
  CHECK_FALSE(tag.starts_with("W/"));
}

TEST_CASE("page encoding: the ETag depends on the content and its type, and on nothing else",
          "[matcher][page_encoding]") {
  const std::string a = page_etag("<urlset/>", ContentType::kXml);
  CHECK(page_etag("<urlset/>", ContentType::kXml) == a);
  CHECK(page_etag("<urlset />", ContentType::kXml) != a);
  CHECK(page_etag("<urlset/>", ContentType::kTextPlain) != a);
  CHECK(page_etag("", ContentType::kXml) != page_etag("", ContentType::kTextPlain));
}

TEST_CASE("page encoding: two builds of the same page give the same tags and bytes", "[matcher][page_encoding]") {
  const auto first = Table::build(rules_with_page(sitemap(200))).table;
  Rules later = rules_with_page(sitemap(200));
  later.version = 9;  // another version of the same page
  later.redirects = {Redirect{"BASIC", "/old", "/new", "MOVED_PERMANENT"}};
  const auto second = Table::build(later).table;
  const auto a = first->match_page("h", "/sitemap.xml");
  const auto b = second->match_page("h", "/sitemap.xml");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->etag == b->etag);
  CHECK(a->gzip_etag == b->gzip_etag);
  CHECK(a->gzip == b->gzip);
  const auto changed_table = Table::build(rules_with_page(sitemap(201))).table;  // the views point into it
  const auto changed = changed_table->match_page("h", "/sitemap.xml");
  REQUIRE(changed);
  CHECK(changed->etag != a->etag);
  CHECK(changed->gzip_etag != a->gzip_etag);
}

TEST_CASE("page encoding: a large compressible page gets a gzip form that inflates to the page",
          "[matcher][page_encoding]") {
  const std::string content = sitemap(2000);
  const PageEncoding e = encode_page(content, ContentType::kXml);
  REQUIRE_FALSE(e.gzip.empty());
  CHECK(e.gzip.size() * 5 < content.size());
  CHECK(gunzip(e.gzip) == content);
  // Its own tag: the identity one with -gz inside the quotes.
  CHECK(e.gzip_etag == e.etag.substr(0, e.etag.size() - 1) + "-gz\"");
  CHECK(e.gzip_etag != e.etag);
}

TEST_CASE("page encoding: a page below the threshold is never compressed", "[matcher][page_encoding]") {
  const std::string small(kGzipMinimumBytes - 1, 'a');  // would compress to a few bytes
  const PageEncoding below = encode_page(small, ContentType::kTextPlain);
  CHECK(below.gzip.empty());
  CHECK(below.gzip_etag.empty());
  CHECK_FALSE(below.etag.empty());
  const PageEncoding at = encode_page(small + "a", ContentType::kTextPlain);
  CHECK_FALSE(at.gzip.empty());
  CHECK(gunzip(at.gzip) == small + "a");
  CHECK(encode_page("", ContentType::kTextPlain).gzip.empty());
}

TEST_CASE("page encoding: an incompressible page keeps no gzip form", "[matcher][page_encoding]") {
  const std::string bytes = noise(64 * 1024);
  CHECK(gzip_compress(bytes).size() >= bytes.size());  // what makes the rule apply
  const PageEncoding e = encode_page(bytes, ContentType::kTextPlain);
  CHECK(e.gzip.empty());
  CHECK(e.gzip_etag.empty());
}

TEST_CASE("page encoding: the table's PageView carries the forms, and their bytes count in its memory",
          "[matcher][page_encoding]") {
  const std::string content = sitemap(20000);  // about 1 MiB, like a large sitemap.xml
  const auto with_page = Table::build(rules_with_page(content)).table;
  const auto page = with_page->match_page("h", "/sitemap.xml");
  REQUIRE(page);
  const PageEncoding expected = encode_page(content, ContentType::kXml);
  CHECK(page->etag == expected.etag);
  CHECK(page->gzip == expected.gzip);
  CHECK(page->gzip_etag == expected.gzip_etag);
  CHECK(gunzip(std::string(page->gzip)) == content);

  // A page of the same size that does not compress has no gzip form: the
  // table with the sitemap holds at least the gzip form's bytes more.
  std::string same_size = noise(content.size());
  const auto without = Table::build(rules_with_page(same_size, "TEXT_PLAIN")).table;
  REQUIRE(without->match_page("h", "/sitemap.xml")->gzip.empty());
  CHECK(with_page->stats().memory_bytes >= without->stats().memory_bytes + page->gzip.size());
  CHECK(with_page->stats().memory_bytes >= content.size() + page->gzip.size());
}
