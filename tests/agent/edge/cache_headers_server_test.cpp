// The edge's answers for caches and browsers over real sockets: the
// settings given to EdgeOptions reach the wire (Cache-Control, the query
// fallback), a page's ETag and 304, its gzip form with keep-alive and
// pipelining (lengths right, so the next answer on the connection parses).
#include <catch2/catch.hpp>

#include <zlib.h>

#include <string>

#include "matcher/page_encoding.hpp"
#include "tests/agent/manager/compress.hpp"
#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

std::string sitemap() {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset>\n";
  for (int i = 0; i < 3000; ++i) xml += "  <url><loc>https://example.com/p/" + std::to_string(i) + "</loc></url>\n";
  return xml + "</urlset>\n";
}

struct CacheEdge {
  explicit CacheEdge(EdgeOptions options) : edge(std::move(options)) {
    Rules rules;
    rules.version = 11;
    rules.redirects = {redirect("BASIC", "/moved", "/new"), redirect("BASIC", "/sale", "/spring", "FOUND")};
    rules.pages = {page("BASIC", "/robots.txt", "User-agent: *\n"), page("BASIC", "/sitemap.xml", sitemap(), "XML")};
    edge.served.swap_in(build_table(rules));
  }
  std::uint16_t port() const { return edge.port(); }
  RunningEdge edge;
};

EdgeOptions all_on() {
  EdgeOptions options;
  options.debug_headers = true;
  options.answers.permanent_redirect_cache_control = "max-age=3600";
  options.answers.temporary_redirect_cache_control = "no-store";
  options.answers.page_cache_control = "max-age=300";
  options.answers.query = {true, true};
  return options;
}

}  // namespace

TEST_CASE("cache headers over sockets: the settings reach the answers", "[edge][cache][threads]") {
  CacheEdge edge(all_on());
  const auto moved = round_trip(edge.port(), request("GET", "/moved"));
  REQUIRE(moved);
  CHECK(moved->status == 301);
  CHECK(moved->header("cache-control") == "max-age=3600");
  const auto sale = round_trip(edge.port(), request("GET", "/sale?utm_source=mail"));
  REQUIRE(sale);
  CHECK(sale->status == 302);
  CHECK(sale->header("cache-control") == "no-store");
  CHECK(sale->header("location") == "/spring?utm_source=mail");
  CHECK(sale->header("x-flecto-query-fallback") == "1");
  const auto robots = round_trip(edge.port(), request("GET", "/robots.txt"));
  REQUIRE(robots);
  CHECK(robots->header("cache-control") == "max-age=300");
  CHECK(robots->header("etag") == page_etag("User-agent: *\n", ContentType::kTextPlain));

  // Defaults: none of it.
  CacheEdge plain{EdgeOptions{}};
  const auto quiet = round_trip(plain.port(), request("GET", "/moved"));
  REQUIRE(quiet);
  CHECK_FALSE(quiet->has_header("cache-control"));
  const auto no_fallback = round_trip(plain.port(), request("GET", "/sale?utm_source=mail"));
  REQUIRE(no_fallback);
  CHECK(no_fallback->status == 404);
}

TEST_CASE("cache headers over sockets: gzip, identity, HEAD and 304 on one keep-alive connection",
          "[edge][cache][gzip][threads]") {
  CacheEdge edge(all_on());
  const std::string content = sitemap();
  const PageEncoding forms = encode_page(content, ContentType::kXml);
  RawClient client(edge.port());
  REQUIRE(client.send(request("GET", "/sitemap.xml", "example.com", "Accept-Encoding: gzip, deflate\r\n") +
                      request("GET", "/sitemap.xml") +
                      request("HEAD", "/sitemap.xml", "example.com", "Accept-Encoding: gzip\r\n") +
                      request("GET", "/sitemap.xml", "example.com",
                              "Accept-Encoding: gzip\r\nIf-None-Match: W/" + forms.gzip_etag + "\r\n") +
                      request("GET", "/robots.txt")));
  const auto gzip = client.read_response();
  REQUIRE(gzip);
  CHECK(gzip->status == 200);
  CHECK(gzip->header("content-encoding") == "gzip");
  CHECK(gzip->header("vary") == "Accept-Encoding");
  CHECK(gzip->header("etag") == forms.gzip_etag);
  CHECK(gunzip(gzip->body) == content);
  CHECK(gzip->body.size() * 4 < content.size());

  const auto identity = client.read_response();
  REQUIRE(identity);
  CHECK(identity->body == content);
  CHECK_FALSE(identity->has_header("content-encoding"));
  CHECK(identity->header("vary") == "Accept-Encoding");
  CHECK(identity->header("etag") == forms.etag);

  const auto head = client.read_response(true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("content-length") == std::to_string(forms.gzip.size()));
  CHECK(head->header("content-encoding") == "gzip");

  const auto not_modified = client.read_response(true);  // no body follows a 304
  REQUIRE(not_modified);
  CHECK(not_modified->status == 304);
  CHECK(not_modified->header("etag") == forms.gzip_etag);
  CHECK(not_modified->header("cache-control") == "max-age=300");
  CHECK_FALSE(not_modified->has_header("content-type"));

  // The next answer parses: nothing was sent after the HEAD's or the 304's head.
  const auto robots = client.read_response();
  REQUIRE(robots);
  CHECK(robots->status == 200);
  CHECK(robots->body == "User-agent: *\n");
}
