// The edge listener's answers byte for byte, built without sockets: from a
// parsed head and a table, as the server builds them. The Date value is
// checked for its form and then replaced by "<date>".
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "agent/edge/answer.hpp"
#include "agent/edge/request.hpp"
#include "agent/edge/response.hpp"
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
Built answer_to(const Table* table, const std::string& head, bool debug_headers = false) {
  const EdgeParse parse = parse_request_head(head, {});
  REQUIRE(parse.state == EdgeParse::kComplete);
  std::string out;
  const EdgeAnswer answer = append_answer(out, {true, "test-ns/test-project", table}, parse.request, debug_headers);
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
        "Content-Length: 14\r\n"
        "\r\n"
        "User-agent: *\n");
  CHECK(get.answer.status == 200);
  CHECK(get.answer.outcome == RequestOutcome::kPage);
  CHECK(answer_to(table.get(), request("HEAD", "/sitemap.xml")).bytes ==
        "HTTP/1.1 200 OK\r\n"
        "Date: <date>\r\n"
        "Content-Type: application/xml\r\n"
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
  CHECK(status_text(308) == "Permanent Redirect");
  CHECK(status_text(413) == "Content Too Large");
  CHECK(status_text(418) == "Unknown");
}
