// The edge listener's answers byte for byte, built without sockets: from a
// parsed head and a table, as the server builds them. The Date value is
// checked for its form and then replaced by "<date>".
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <regex>
#include <string>

#include "agent/edge/answer.hpp"
#include "agent/edge/request.hpp"
#include "agent/edge/response.hpp"
#include "matcher/page_encoding.hpp"
#include "tests/agent/manager/compress.hpp"
#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

std::shared_ptr<const Table> sample_table() {
  Rules rules;
  rules.version = 7;
  rules.redirects = {redirect("BASIC", "/old", "/new"),
                     redirect("BASIC", "/found", "https://example.org/x?a=1&b=2", "FOUND")};
  rules.pages = {page("BASIC", "/robots.txt", "User-agent: *\n"),
                 page("BASIC", "/sitemap.xml", "<urlset/>", "XML")};
  return build_table(rules);
}

// `bytes` with the value of its one Date line replaced by "<date>", once it
// is checked to be an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string without_date(std::string bytes) {
  const std::string field = "\r\nDate: ";
  const auto at = bytes.find(field);
  REQUIRE(at != std::string::npos);
  CHECK(bytes.find(field, at + 1) == std::string::npos);
  const auto value = at + field.size();
  static const std::regex imf_fixdate(
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT");
  REQUIRE(bytes.size() >= value + 31);
  CHECK(std::regex_match(bytes.substr(value, 29), imf_fixdate));
  CHECK(bytes.substr(value + 29, 2) == "\r\n");
  return bytes.replace(value, 29, "<date>");
}

struct Built {
  std::string bytes;  // Date replaced
  EdgeAnswer answer;
};

// The answer to `head` from `table` (null: none served yet).
Built answer_to(const Table* table, const std::string& head, bool debug_headers = false,
                const AnswerOptions& options = {}) {
  const EdgeParse parse = parse_request_head(head, {});
  REQUIRE(parse.state == EdgeParse::kComplete);
  std::string out;
  const EdgeAnswer answer =
      append_answer(out, {true, "test-ns/test-project", table}, parse.request, debug_headers, options);
  return {without_date(out), answer};
}

std::string refusal(int status, bool head_request) {
  std::string out;
  append_refusal(out, status, head_request);
  return without_date(out);
}

const std::string kRedirectBody = "<a href=\"/new\">Moved Permanently</a>.\n\n";

}  // namespace

TEST_CASE("edge answer: a redirect to GET, HEAD and other methods", "[edge][answer]") {
  const auto table = sample_table();
  const Built get = answer_to(table.get(), request("GET", "/old"));
  CHECK(get.bytes ==
        "HTTP/1.1 301 Moved Permanently\r\n"
        "Date: <date>\r\n"
        "Location: /new\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 39\r\n"
        "\r\n" + kRedirectBody);
  CHECK(get.answer.status == 301);
  CHECK(get.answer.outcome == RequestOutcome::kRedirect);
  CHECK(get.answer.after == AfterAnswer::kKeepOpen);

  CHECK(answer_to(table.get(), request("HEAD", "/old")).bytes ==
        "HTTP/1.1 301 Moved Permanently\r\n"
        "Date: <date>\r\n"
        "Location: /new\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 39\r\n"
        "\r\n");
  CHECK(answer_to(table.get(), request("POST", "/old")).bytes ==
        "HTTP/1.1 301 Moved Permanently\r\n"
        "Date: <date>\r\n"
        "Location: /new\r\n"
        "Content-Length: 0\r\n"
        "\r\n");
  // The Location is HTML-escaped in the body, not in the header.
  const Built found = answer_to(table.get(), request("GET", "/found"));
  CHECK(found.bytes ==
        "HTTP/1.1 302 Found\r\n"
        "Date: <date>\r\n"
        "Location: https://example.org/x?a=1&b=2\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 56\r\n"
        "\r\n"
        "<a href=\"https://example.org/x?a=1&amp;b=2\">Found</a>.\n\n");
  CHECK(found.answer.status == 302);
}

TEST_CASE("edge answer: a page to GET and HEAD, 405 to other methods", "[edge][answer]") {
  const auto table = sample_table();
  const Built get = answer_to(table.get(), request("GET", "/robots.txt"));
  CHECK(get.bytes ==
        "HTTP/1.1 200 OK\r\n"
        "Date: <date>\r\n"
        "Content-Type: text/plain\r\n"
        "ETag: " + page_etag("User-agent: *\n", ContentType::kTextPlain) + "\r\n"
        "Content-Length: 14\r\n"
        "\r\n"
        "User-agent: *\n");
  CHECK(get.answer.status == 200);
  CHECK(get.answer.outcome == RequestOutcome::kPage);
  CHECK(answer_to(table.get(), request("HEAD", "/sitemap.xml")).bytes ==
        "HTTP/1.1 200 OK\r\n"
        "Date: <date>\r\n"
        "Content-Type: application/xml\r\n"
        "ETag: " + page_etag("<urlset/>", ContentType::kXml) + "\r\n"
        "Content-Length: 9\r\n"
        "\r\n");
  const Built post = answer_to(table.get(), request("POST", "/robots.txt"));
  CHECK(post.bytes ==
        "HTTP/1.1 405 Method Not Allowed\r\n"
        "Date: <date>\r\n"
        "Allow: GET, HEAD\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 23\r\n"
        "\r\n"
        "405 method not allowed\n");
  CHECK(post.answer.status == 405);
  CHECK(post.answer.outcome == RequestOutcome::kPage);
}

TEST_CASE("edge answer: 404 for nothing matched, 503 before any table", "[edge][answer]") {
  const auto table = sample_table();
  const Built miss = answer_to(table.get(), request("GET", "/none"));
  CHECK(miss.bytes ==
        "HTTP/1.1 404 Not Found\r\n"
        "Date: <date>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Length: 19\r\n"
        "\r\n"
        "404 page not found\n");
  CHECK(miss.answer.status == 404);
  CHECK(miss.answer.outcome == RequestOutcome::kMiss);
  CHECK(answer_to(table.get(), request("HEAD", "/none")).bytes ==
        "HTTP/1.1 404 Not Found\r\n"
        "Date: <date>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Length: 19\r\n"
        "\r\n");

  const Built early = answer_to(nullptr, request("GET", "/old"));
  CHECK(early.bytes ==
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Date: <date>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Retry-After: 5\r\n"
        "Content-Length: 24\r\n"
        "\r\n"
        "503 no rules loaded yet\n");
  CHECK(early.answer.status == 503);
  CHECK(early.answer.outcome == RequestOutcome::kRejected);
}

TEST_CASE("edge answer: the debug target is the rule's, next to the Location it became", "[edge][answer]") {
  Rules rules;
  rules.version = 3;
  rules.redirects = {redirect("BASIC", "/docs/a/old", "../new/./page", "FOUND")};
  const auto table = build_table(rules);
  const std::string bytes = answer_to(table.get(), request("HEAD", "/docs/a/old"), true).bytes;
  CHECK_THAT(bytes, Catch::Contains("Location: /docs/new/page\r\n"));
  CHECK_THAT(bytes, Catch::Contains("X-Flecto-Target: ../new/./page\r\n"));
  CHECK_THAT(answer_to(table.get(), request("HEAD", "/docs/a/old"), false).bytes,
             !Catch::Contains("X-Flecto-Target"));
}

TEST_CASE("edge answer: debug headers name the project, the version and the rule", "[edge][answer]") {
  const auto table = sample_table();
  CHECK(answer_to(table.get(), request("HEAD", "/old"), true).bytes ==
        "HTTP/1.1 301 Moved Permanently\r\n"
        "Date: <date>\r\n"
        "Location: /new\r\n"
        "X-Flecto-Project: test-ns/test-project\r\n"
        "X-Flecto-Version: 7\r\n"
        "X-Flecto-Rule: redirect BASIC /old\r\n"
        "X-Flecto-Target: /new\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 39\r\n"
        "\r\n");
  CHECK(answer_to(table.get(), request("HEAD", "/robots.txt"), true).bytes ==
        "HTTP/1.1 200 OK\r\n"
        "Date: <date>\r\n"
        "X-Flecto-Project: test-ns/test-project\r\n"
        "X-Flecto-Version: 7\r\n"
        "X-Flecto-Rule: page BASIC /robots.txt\r\n"
        "Content-Type: text/plain\r\n"
        "ETag: " + page_etag("User-agent: *\n", ContentType::kTextPlain) + "\r\n"
        "Content-Length: 14\r\n"
        "\r\n");
  CHECK(answer_to(table.get(), request("HEAD", "/none"), true).bytes ==
        "HTTP/1.1 404 Not Found\r\n"
        "Date: <date>\r\n"
        "X-Flecto-Project: test-ns/test-project\r\n"
        "X-Flecto-Version: 7\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Length: 19\r\n"
        "\r\n");
  // A Host no project answers: a miss that says so.
  const std::string head = request("HEAD", "/old");  // the parse points into it
  const EdgeParse parse = parse_request_head(head, {});
  REQUIRE(parse.state == EdgeParse::kComplete);
  std::string out;
  const EdgeAnswer unrouted = append_answer(out, {false, "", nullptr}, parse.request, true);
  CHECK(unrouted.status == 404);
  CHECK(unrouted.outcome == RequestOutcome::kMiss);
  CHECK(without_date(out) ==
        "HTTP/1.1 404 Not Found\r\n"
        "Date: <date>\r\n"
        "X-Flecto-Project: none\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Length: 19\r\n"
        "\r\n");
}

TEST_CASE("edge answer: keep-alive or close, and the Connection header that says so",
          "[edge][answer]") {
  const auto table = sample_table();
  const struct {
    std::string head;
    AfterAnswer after;
    std::string connection_line;  // before the empty line; "" for none
  } cases[] = {
      {request("GET", "/old"), AfterAnswer::kKeepOpen, ""},
      {request("GET", "/old", "example.com", "Connection: keep-alive\r\n"), AfterAnswer::kKeepOpen, ""},
      {request("GET", "/old", "example.com", "Connection: close\r\n"), AfterAnswer::kClose,
       "Connection: close\r\n"},
      {request("GET", "/old", "example.com", "Connection: keep-alive, Close\r\n"), AfterAnswer::kClose,
       "Connection: close\r\n"},
      {request("POST", "/old", "example.com", "Transfer-Encoding: chunked\r\n"), AfterAnswer::kClose,
       "Connection: close\r\n"},
      {request("POST", "/old", "example.com", "Content-Length: 5\r\n"), AfterAnswer::kKeepOpen, ""},
      {"GET /old HTTP/1.0\r\n\r\n", AfterAnswer::kClose, "Connection: close\r\n"},
      {"GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", AfterAnswer::kKeepOpenAnnounced,
       "Connection: keep-alive\r\n"},
      {"GET /old HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", AfterAnswer::kClose,
       "Connection: close\r\n"},
  };
  for (const auto& c : cases) {
    INFO(c.head);
    const EdgeParse parse = parse_request_head(c.head, {});
    REQUIRE(parse.state == EdgeParse::kComplete);
    CHECK(after_answer(parse.request) == c.after);
    const Built built = answer_to(table.get(), c.head);
    CHECK(built.answer.after == c.after);
    const bool get = parse.request.method == "GET";
    CHECK(built.bytes ==
          "HTTP/1.1 301 Moved Permanently\r\n"
          "Date: <date>\r\n"
          "Location: /new\r\n" +
              std::string(get ? "Content-Type: text/html; charset=utf-8\r\nContent-Length: 39\r\n"
                              : "Content-Length: 0\r\n") +
              c.connection_line + "\r\n" + (get ? kRedirectBody : ""));
  }
}

TEST_CASE("edge answer: the listener's refusals close the connection", "[edge][answer]") {
  const struct {
    int status;
    std::string status_line;
    std::string body;
  } cases[] = {
      {400, "HTTP/1.1 400 Bad Request", "400 Bad Request\n"},
      {408, "HTTP/1.1 408 Request Timeout", "408 Request Timeout\n"},
      {413, "HTTP/1.1 413 Content Too Large", "413 Content Too Large\n"},
      {414, "HTTP/1.1 414 URI Too Long", "414 URI Too Long\n"},
      {431, "HTTP/1.1 431 Request Header Fields Too Large", "431 Request Header Fields Too Large\n"},
      {505, "HTTP/1.1 505 HTTP Version Not Supported", "505 HTTP Version Not Supported\n"},
  };
  for (const auto& c : cases) {
    INFO(c.status);
    const std::string head = c.status_line +
                             "\r\n"
                             "Date: <date>\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "Content-Length: " +
                             std::to_string(c.body.size()) +
                             "\r\n"
                             "Connection: close\r\n"
                             "\r\n";
    CHECK(refusal(c.status, false) == head + c.body);
    CHECK(refusal(c.status, true) == head);  // a HEAD request gets no body
  }
  CHECK(refusal(400, false).find("Content-Length: 16\r\n") != std::string::npos);
  CHECK(refusal(431, false).find("Content-Length: 36\r\n") != std::string::npos);
}

TEST_CASE("edge answer: status reason phrases", "[edge][answer]") {
  CHECK(status_text(200) == "OK");
  CHECK(status_text(301) == "Moved Permanently");
  CHECK(status_text(304) == "Not Modified");
  CHECK(status_text(308) == "Permanent Redirect");
  CHECK(status_text(413) == "Content Too Large");
  CHECK(status_text(418) == "Unknown");
}

// --- Caches and browsers: Cache-Control, ETag and 304, gzip ------------------

namespace {

// A sitemap of `n` URLs: over the gzip threshold, and compressible.
std::string big_sitemap(int n = 500) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset>\n";
  for (int i = 0; i < n; ++i) xml += "  <url><loc>https://example.com/page/" + std::to_string(i) + "</loc></url>\n";
  return xml + "</urlset>\n";
}

std::shared_ptr<const Table> cache_table() {
  Rules rules;
  rules.version = 4;
  rules.redirects = {redirect("BASIC", "/301", "/a", "MOVED_PERMANENT"), redirect("BASIC", "/302", "/b", "FOUND"),
                     redirect("BASIC", "/307", "/c", "TEMPORARY_REDIRECT"),
                     redirect("BASIC", "/308", "/d", "PERMANENT_REDIRECT")};
  rules.pages = {page("BASIC", "/robots.txt", "User-agent: *\n"), page("BASIC", "/sitemap.xml", big_sitemap(), "XML")};
  return build_table(rules);
}

AnswerOptions cache_options() {
  AnswerOptions options;
  options.permanent_redirect_cache_control = "max-age=3600";
  options.temporary_redirect_cache_control = "no-store";
  options.page_cache_control = "public, max-age=300";
  return options;
}

// The value of header `name` in `bytes` ("" when absent; the first one).
std::string header_of(const std::string& bytes, const std::string& name) {
  const std::string field = "\r\n" + name + ": ";
  const auto at = bytes.find(field);
  if (at == std::string::npos) return {};
  const auto start = at + field.size();
  return bytes.substr(start, bytes.find("\r\n", start) - start);
}

std::string body_of(const std::string& bytes) { return bytes.substr(bytes.find("\r\n\r\n") + 4); }

}  // namespace

TEST_CASE("edge answer: redirects carry the Cache-Control of their kind, none by default", "[edge][answer][cache]") {
  const auto table = cache_table();
  const AnswerOptions options = cache_options();
  for (const std::string method : {"GET", "HEAD", "POST"}) {
    CAPTURE(method);
    CHECK(header_of(answer_to(table.get(), request(method, "/301"), false, options).bytes, "Cache-Control") ==
          "max-age=3600");
    CHECK(header_of(answer_to(table.get(), request(method, "/308"), false, options).bytes, "Cache-Control") ==
          "max-age=3600");
    CHECK(header_of(answer_to(table.get(), request(method, "/302"), false, options).bytes, "Cache-Control") ==
          "no-store");
    CHECK(header_of(answer_to(table.get(), request(method, "/307"), false, options).bytes, "Cache-Control") ==
          "no-store");
    for (const char* target : {"/301", "/302", "/307", "/308"}) {
      CHECK_THAT(answer_to(table.get(), request(method, target)).bytes, !Catch::Contains("Cache-Control"));
    }
  }
  // Only one kind set: the other kind gets none.
  AnswerOptions permanent_only;
  permanent_only.permanent_redirect_cache_control = "max-age=60";
  CHECK(answer_to(table.get(), request("GET", "/301"), false, permanent_only).bytes ==
        "HTTP/1.1 301 Moved Permanently\r\n"
        "Date: <date>\r\n"
        "Location: /a\r\n"
        "Cache-Control: max-age=60\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 37\r\n"
        "\r\n"
        "<a href=\"/a\">Moved Permanently</a>.\n\n");
  CHECK_THAT(answer_to(table.get(), request("GET", "/302"), false, permanent_only).bytes,
             !Catch::Contains("Cache-Control"));
  // Neither a miss nor a page takes a redirect's value.
  CHECK_THAT(answer_to(table.get(), request("GET", "/none"), false, options).bytes, !Catch::Contains("Cache-Control"));
  CHECK(header_of(answer_to(table.get(), request("GET", "/robots.txt"), false, options).bytes, "Cache-Control") ==
        "public, max-age=300");
}

TEST_CASE("edge answer: If-None-Match with the page's ETag gets 304, without a body", "[edge][answer][cache]") {
  const auto table = cache_table();
  const std::string etag = page_etag("User-agent: *\n", ContentType::kTextPlain);
  const std::string weak = "W/" + etag;
  const std::string other = "\"0123456789abcdef0123456789abcdef\"";
  for (const std::string& value : {etag, weak, std::string("*"), other + ", " + etag, other + "," + weak + " ",
                                   "W/" + other + ",  " + etag + ", \"x\""}) {
    CAPTURE(value);
    for (const std::string method : {"GET", "HEAD"}) {
      const Built got = answer_to(table.get(), request(method, "/robots.txt", "example.com", "If-None-Match: " + value + "\r\n"));
      CHECK(got.answer.status == 304);
      CHECK(got.answer.outcome == RequestOutcome::kPage);
      CHECK(got.bytes ==
            "HTTP/1.1 304 Not Modified\r\n"
            "Date: <date>\r\n"
            "ETag: " + etag + "\r\n"
            "Content-Length: 14\r\n"
            "\r\n");
    }
  }
  // With page_cache_control, the 304 carries it as the 200 does.
  const Built cached = answer_to(table.get(), request("GET", "/robots.txt", "example.com", "If-None-Match: " + etag + "\r\n"),
                                 false, cache_options());
  CHECK(cached.bytes ==
        "HTTP/1.1 304 Not Modified\r\n"
        "Date: <date>\r\n"
        "ETag: " + etag + "\r\n"
        "Cache-Control: public, max-age=300\r\n"
        "Content-Length: 14\r\n"
        "\r\n");
}

TEST_CASE("edge answer: an If-None-Match that does not name the page's ETag gets the page", "[edge][answer][cache]") {
  const auto table = cache_table();
  const std::string etag = page_etag("User-agent: *\n", ContentType::kTextPlain);
  const std::string unquoted = etag.substr(1, etag.size() - 2);
  for (const std::string& value : {std::string("\"0123456789abcdef0123456789abcdef\""), unquoted, "\"" + unquoted,
                                   std::string("W/"), std::string("**"), std::string(","), "x, " + etag,
                                   etag.substr(0, etag.size() - 1) + "-gz\""}) {
    CAPTURE(value);
    const Built got = answer_to(table.get(), request("GET", "/robots.txt", "example.com", "If-None-Match: " + value + "\r\n"));
    CHECK(got.answer.status == 200);
    CHECK(body_of(got.bytes) == "User-agent: *\n");
    CHECK(header_of(got.bytes, "ETag") == etag);
  }
  // Not for a redirect, a miss, or a page to POST (405).
  CHECK(answer_to(table.get(), request("GET", "/301", "example.com", "If-None-Match: *\r\n")).answer.status == 301);
  CHECK(answer_to(table.get(), request("GET", "/none", "example.com", "If-None-Match: *\r\n")).answer.status == 404);
  const Built post = answer_to(table.get(), request("POST", "/robots.txt", "example.com", "If-None-Match: *\r\n"));
  CHECK(post.answer.status == 405);
  CHECK_THAT(post.bytes, !Catch::Contains("ETag"));
}

TEST_CASE("edge answer: a large page is sent gzip when the client takes it, with Vary on every form",
          "[edge][answer][gzip]") {
  const auto table = cache_table();
  const std::string content = big_sitemap();
  const PageEncoding forms = encode_page(content, ContentType::kXml);
  REQUIRE_FALSE(forms.gzip.empty());
  for (const std::string accept : {"gzip", "gzip, deflate, br", "GZIP", "x-gzip", "br;q=1.0, gzip;q=0.5", "*",
                                   "deflate, *;q=0.1", "gzip;q=1, *;q=0", "identity;q=0, gzip"}) {
    CAPTURE(accept);
    const Built got = answer_to(table.get(), request("GET", "/sitemap.xml", "example.com", "Accept-Encoding: " + accept + "\r\n"));
    CHECK(got.answer.status == 200);
    CHECK(got.bytes ==
          "HTTP/1.1 200 OK\r\n"
          "Date: <date>\r\n"
          "Content-Type: application/xml\r\n"
          "Content-Encoding: gzip\r\n"
          "ETag: " + forms.gzip_etag + "\r\n"
          "Vary: Accept-Encoding\r\n"
          "Content-Length: " + std::to_string(forms.gzip.size()) + "\r\n"
          "\r\n" + forms.gzip);
    CHECK(gunzip(body_of(got.bytes)) == content);
  }
  for (const std::string accept : {"", "identity", "gzip;q=0", "gzip; q=0.000", "deflate, br", "*;q=0",
                                   "gzip;q=0, *", "gzip;q=bad", "gzipx", "x-gzip;q=0"}) {
    CAPTURE(accept);
    const std::string extra = accept.empty() ? "" : "Accept-Encoding: " + accept + "\r\n";
    const Built got = answer_to(table.get(), request("GET", "/sitemap.xml", "example.com", extra));
    CHECK(got.bytes ==
          "HTTP/1.1 200 OK\r\n"
          "Date: <date>\r\n"
          "Content-Type: application/xml\r\n"
          "ETag: " + forms.etag + "\r\n"
          "Vary: Accept-Encoding\r\n"
          "Content-Length: " + std::to_string(content.size()) + "\r\n"
          "\r\n" + content);
  }
}

TEST_CASE("edge answer: HEAD and 304 of a gzip page get no body, and the ETag of the form chosen",
          "[edge][answer][gzip]") {
  const auto table = cache_table();
  const PageEncoding forms = encode_page(big_sitemap(), ContentType::kXml);
  const Built head = answer_to(table.get(), request("HEAD", "/sitemap.xml", "example.com", "Accept-Encoding: gzip\r\n"));
  CHECK(head.bytes ==
        "HTTP/1.1 200 OK\r\n"
        "Date: <date>\r\n"
        "Content-Type: application/xml\r\n"
        "Content-Encoding: gzip\r\n"
        "ETag: " + forms.gzip_etag + "\r\n"
        "Vary: Accept-Encoding\r\n"
        "Content-Length: " + std::to_string(forms.gzip.size()) + "\r\n"
        "\r\n");
  const std::string gzip_tag = "If-None-Match: " + forms.gzip_etag + "\r\n";
  const Built not_modified =
      answer_to(table.get(), request("GET", "/sitemap.xml", "example.com", "Accept-Encoding: gzip\r\n" + gzip_tag));
  CHECK(not_modified.bytes ==
        "HTTP/1.1 304 Not Modified\r\n"
        "Date: <date>\r\n"
        "ETag: " + forms.gzip_etag + "\r\n"
        "Vary: Accept-Encoding\r\n"
        "Content-Length: " + std::to_string(forms.gzip.size()) + "\r\n"
        "\r\n");
  // The gzip tag does not validate the identity form, nor the other way round.
  CHECK(answer_to(table.get(), request("GET", "/sitemap.xml", "example.com", gzip_tag)).answer.status == 200);
  const Built identity_tag = answer_to(
      table.get(), request("GET", "/sitemap.xml", "example.com", "Accept-Encoding: gzip\r\nIf-None-Match: " + forms.etag + "\r\n"));
  CHECK(identity_tag.answer.status == 200);
  CHECK(header_of(identity_tag.bytes, "Content-Encoding") == "gzip");
  const Built identity_304 =
      answer_to(table.get(), request("HEAD", "/sitemap.xml", "example.com", "If-None-Match: " + forms.etag + "\r\n"));
  CHECK(identity_304.answer.status == 304);
  CHECK(header_of(identity_304.bytes, "Vary") == "Accept-Encoding");
  CHECK(body_of(identity_304.bytes).empty());
}

TEST_CASE("edge answer: a small page is never gzip and has no Vary", "[edge][answer][gzip]") {
  const auto table = cache_table();
  const Built got = answer_to(table.get(), request("GET", "/robots.txt", "example.com", "Accept-Encoding: gzip\r\n"));
  CHECK(body_of(got.bytes) == "User-agent: *\n");
  CHECK_THAT(got.bytes, !Catch::Contains("Content-Encoding"));
  CHECK_THAT(got.bytes, !Catch::Contains("Vary"));
}

TEST_CASE("edge answer: an incompressible large page is sent as it is", "[edge][answer][gzip]") {
  std::string noise(8192, '\0');
  std::uint32_t x = 2463534242u;
  for (char& c : noise) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  Rules rules;
  rules.pages = {page("BASIC", "/blob", noise)};
  const auto table = build_table(rules);
  const Built got = answer_to(table.get(), request("GET", "/blob", "example.com", "Accept-Encoding: gzip\r\n"));
  CHECK(body_of(got.bytes) == noise);
  CHECK_THAT(got.bytes, !Catch::Contains("Content-Encoding"));
  CHECK_THAT(got.bytes, !Catch::Contains("Vary"));
}

// --- The query fallback --------------------------------------------------------

namespace {

// One rule of each type and a page, none of which matches a query.
std::shared_ptr<const Table> query_table() {
  Rules rules;
  rules.version = 5;
  rules.redirects = {redirect("BASIC", "/basic", "/to-basic"),
                     redirect("BASIC_HOST", "example.com/basic-host", "/to-basic-host", "FOUND"),
                     redirect("REGEX", "^/regex/([a-z]+)$", "/to-regex/$1", "TEMPORARY_REDIRECT"),
                     redirect("REGEX_HOST", "^example\\.com/regex-host/([a-z]+)$", "/to-regex-host/$1",
                              "PERMANENT_REDIRECT"),
                     redirect("BASIC", "/own-query", "/to?lang=fr"),
                     redirect("BASIC", "/fragment", "/to#part"),
                     redirect("BASIC", "/absolute", "https://example.org/x?a=1"),
                     redirect("BASIC", "/both?utm=1", "/exact"),
                     redirect("BASIC", "/both", "/by-path")};
  rules.pages = {page("BASIC", "/page", "a page\n")};
  return build_table(rules);
}

AnswerOptions query_options(bool fallback, bool preserve) {
  AnswerOptions options;
  options.query = {fallback, preserve};
  return options;
}

}  // namespace

TEST_CASE("edge answer: without query_fallback a target with a query matches no path-only rule",
          "[edge][answer][query]") {
  const auto table = query_table();
  for (const char* target : {"/basic?utm=1", "/basic-host?utm=1", "/regex/abc?utm=1", "/regex-host/abc?utm=1",
                             "/page?utm=1", "/basic?"}) {
    CAPTURE(target);
    CHECK(answer_to(table.get(), request("GET", target)).answer.status == 404);
    // preserve alone does nothing
    CHECK(answer_to(table.get(), request("GET", target), false, query_options(false, true)).answer.status == 404);
  }
}

TEST_CASE("edge answer: query_fallback matches the path alone, for every rule type and a page",
          "[edge][answer][query]") {
  const auto table = query_table();
  const struct {
    const char* target;
    int status;
    const char* location;            // without query_preserve
    const char* preserved_location;  // with it
  } cases[] = {
      {"/basic?utm=1", 301, "/to-basic", "/to-basic?utm=1"},
      {"/basic-host?utm=1&b=2", 302, "/to-basic-host", "/to-basic-host?utm=1&b=2"},
      {"/regex/abc?utm=1", 307, "/to-regex/abc", "/to-regex/abc?utm=1"},
      {"/regex-host/abc?utm=1", 308, "/to-regex-host/abc", "/to-regex-host/abc?utm=1"},
      {"/own-query?utm=1", 301, "/to?lang=fr", "/to?lang=fr&utm=1"},
      {"/fragment?utm=1", 301, "/to#part", "/to?utm=1#part"},
      {"/absolute?utm=1", 301, "https://example.org/x?a=1", "https://example.org/x?a=1&utm=1"},
      {"/basic?", 301, "/to-basic", "/to-basic"},  // a lone '?': nothing to carry
  };
  for (const auto& c : cases) {
    CAPTURE(c.target);
    const Built plain = answer_to(table.get(), request("GET", c.target), false, query_options(true, false));
    CHECK(plain.answer.status == c.status);
    CHECK(header_of(plain.bytes, "Location") == c.location);
    const Built kept = answer_to(table.get(), request("GET", c.target), false, query_options(true, true));
    CHECK(kept.answer.status == c.status);
    CHECK(header_of(kept.bytes, "Location") == c.preserved_location);
    CHECK_THAT(kept.bytes, !Catch::Contains("X-Flecto"));
  }
  for (const bool preserve : {false, true}) {
    const Built got = answer_to(table.get(), request("GET", "/page?utm=1"), false, query_options(true, preserve));
    CHECK(got.answer.status == 200);
    CHECK(body_of(got.bytes) == "a page\n");
  }
}

TEST_CASE("edge answer: the full target wins over the fallback, which answers only a query", "[edge][answer][query]") {
  const auto table = query_table();
  const AnswerOptions options = query_options(true, true);
  const Built exact = answer_to(table.get(), request("GET", "/both?utm=1"), true, options);
  CHECK(header_of(exact.bytes, "Location") == "/exact");
  CHECK_THAT(exact.bytes, !Catch::Contains("X-Flecto-Query-Fallback"));
  const Built by_path = answer_to(table.get(), request("GET", "/both?utm=2"), true, options);
  CHECK(header_of(by_path.bytes, "Location") == "/by-path?utm=2");
  CHECK(answer_to(table.get(), request("GET", "/nothing?utm=1"), false, options).answer.status == 404);
  CHECK(answer_to(table.get(), request("GET", "/nothing"), false, options).answer.status == 404);
  CHECK(answer_to(table.get(), request("GET", "/basic"), true, options).bytes.find("X-Flecto-Query-Fallback") ==
        std::string::npos);
}

TEST_CASE("edge answer: the debug headers say when the query fallback answered", "[edge][answer][query]") {
  const auto table = query_table();
  CHECK(answer_to(table.get(), request("HEAD", "/basic?utm=1"), true, query_options(true, true)).bytes ==
        "HTTP/1.1 301 Moved Permanently\r\n"
        "Date: <date>\r\n"
        "Location: /to-basic?utm=1\r\n"
        "X-Flecto-Project: test-ns/test-project\r\n"
        "X-Flecto-Version: 5\r\n"
        "X-Flecto-Rule: redirect BASIC /basic\r\n"
        "X-Flecto-Query-Fallback: 1\r\n"
        "X-Flecto-Target: /to-basic\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 50\r\n"
        "\r\n");
  const Built page_answer = answer_to(table.get(), request("GET", "/page?x"), true, query_options(true, false));
  CHECK(header_of(page_answer.bytes, "X-Flecto-Rule") == "page BASIC /page");
  CHECK(header_of(page_answer.bytes, "X-Flecto-Query-Fallback") == "1");
  const Built post = answer_to(table.get(), request("POST", "/page?x"), true, query_options(true, false));
  CHECK(post.answer.status == 405);
  CHECK(header_of(post.bytes, "X-Flecto-Query-Fallback") == "1");
}
