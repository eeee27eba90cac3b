// The request-head parser on its own, without sockets: every head the
// hostile and limits tests send through the listener, with the status it is
// refused with or what it is read as.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent/edge/request.hpp"

using namespace flecto;
using namespace std::string_literals;

namespace {

struct Refusal {
  std::string why;
  std::string head;
  int status;
};

// The views of a complete head point into `head`, which must outlive them.
EdgeParse parse(const std::string& head, EdgeRequestLimits limits = {}) {
  return parse_request_head(head, limits);
}

std::string repeated(const std::string& part, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += part;
  return out;
}

}  // namespace

TEST_CASE("edge request: smuggling shapes are refused with 400", "[edge][request]") {
  const std::vector<Refusal> cases = {
      {"length then encoding", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"encoding then length", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
      {"both, other case", "POST /old HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\ntransfer-encoding: CHUNKED\r\n\r\n", 400},
      {"two lengths", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n", 400},
      {"a list of lengths", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400},
      {"a signed length", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
      {"a hex length", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400},
      {"a negative length", "GET /old HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
      {"a length over 18 digits", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      {"different lengths", "GET /old HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"gzip", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"identity", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400},
      {"chunked, then gzip", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"a second line with gzip", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"xchunked", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400},
      {"an empty coding", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400},
      {"an encoding in HTTP/1.0", "POST /old HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"a space before the colon", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
      {"a tab before the colon", "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n", 400},
      {"an encoding in a folded line", "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n Transfer-Encoding: chunked\r\n\r\n", 400},
      {"a coding folded", "POST /old HTTP/1.1\r\nHost: a\r\nX: y\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    INFO(c.why);
    const EdgeParse p = parse(c.head);
    CHECK(p.state == EdgeParse::kError);
    CHECK(p.error_status == c.status);
  }
}

TEST_CASE("edge request: forbidden bytes, bad lines and bad hosts are refused", "[edge][request]") {
  const std::vector<Refusal> cases = {
      {"NUL in the target", "GET /old\0 HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"NUL in the method", "GE\0T /old HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"NUL after the version", "GET /old HTTP/1.1\0\r\nHost: a\r\n\r\n"s, 400},
      {"NUL in a header name", "GET /old HTTP/1.1\r\nHo\0st: a\r\n\r\n"s, 400},
      {"NUL in a header value", "GET /old HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, 400},
      {"NUL ending the Host", "GET /old HTTP/1.1\r\nHost: a\0\r\n\r\n"s, 400},
      {"bare CR in a value", "GET /old HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"s, 400},
      {"CR CR LF", "GET /old HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n"s, 400},
      {"bare CR in a name", "GET /old HTTP/1.1\r\nHost: a\r\nX\r: a\r\n\r\n"s, 400},
      {"bare CR in the target", "GET /o\rld HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"CR CR LF for an empty line", "GET /old HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n"s, 400},
      {"bare CR before the request", "\rGET /old HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"lone CR ending the request line", "GET /old HTTP/1.1\rHost: a\r\n\r\n"s, 400},
      {"white space before the first header", "GET /old HTTP/1.1\r\n Host: a\r\n\r\n"s, 400},
      {"obs-fold with a tab", "GET /old HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tfolded\r\n\r\n"s, 400},
      {"obs-fold with a space", "GET /old HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n"s, 400},
      {"space before the colon", "GET /old HTTP/1.1\r\nHost: a\r\nX : 1\r\n\r\n"s, 400},
      {"space before the Host colon", "GET /old HTTP/1.1\r\nHost : a\r\n\r\n"s, 400},
      {"tab before the colon", "GET /old HTTP/1.1\r\nHost\t: a\r\n\r\n"s, 400},
      {"no name", "GET /old HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n"s, 400},
      {"no colon", "GET /old HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"s, 400},
      {"a control byte in a value", "GET /old HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n"s, 400},
      {"tab in the target", "GET /o\tld HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"tab as a separator", "GET\t/old HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"DEL in the target", "GET /o\x7f HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"VT in the target", "GET /r/a\x0b HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"ESC in the target", "GET /r/a\x1b[0m HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"LF in the target", "GET /r/a\nSet-Cookie: x HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"no version", "GET /old\r\n\r\n"s, 400},
      {"a double space", "GET  /old HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"a fourth part", "GET /old HTTP/1.1 extra\r\nHost: a\r\n\r\n"s, 400},
      {"a method that is no token", "G(T /old HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"TLS on the plain port", "\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n\r\n"s, 400},
      {"a broken request line", "BROKEN\r\n\r\n"s, 400},
      {"HTTP/1.1 without Host", "GET /old HTTP/1.1\r\n\r\n"s, 400},
      {"two Hosts", "GET /old HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"s, 400},
      {"HTTP/2.0", "GET /old HTTP/2.0\r\nHost: a\r\n\r\n"s, 505},
      {"HTTP/0.9", "GET /old HTTP/0.9\r\nHost: a\r\n\r\n"s, 505},
      {"a version that is not HTTP/d.d", "GET /old HTTP/1.10\r\nHost: a\r\n\r\n"s, 400},
  };
  for (const auto& c : cases) {
    INFO(c.why);
    const EdgeParse p = parse(c.head);
    CHECK(p.state == EdgeParse::kError);
    CHECK(p.error_status == c.status);
  }
  for (const std::string host : {"a b", "evil.example/x", "evil.example\\x", "user@evil.example",
                                 "caf\xc3\xa9.example", "a\"b", "<a>", "a\tb", "a{b}", "a?b", "a#b"}) {
    INFO(host);
    const EdgeParse p = parse("GET /h/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    CHECK(p.state == EdgeParse::kError);
    CHECK(p.error_status == 400);
  }
}

TEST_CASE("edge request: the size limits give 400, 414 and 431", "[edge][request]") {
  const std::vector<Refusal> cases = {
      {"endless empty lines", repeated("\r\n", 4097), 400},
      {"a request line over the bound", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
      {"a request line that never ends", "GET /" + std::string(10000, 'a'), 414},
      {"a 9,000-byte method", std::string(9000, 'G') + " / HTTP/1.1\r\nHost: a\r\n\r\n", 414},
      {"5,000 short header lines", "GET /old HTTP/1.1\r\nHost: a\r\n" + repeated("a:b\r\n", 5000) + "\r\n", 431},
      {"40 long header lines", "GET /old HTTP/1.1\r\nHost: a\r\n" + repeated("X-Filler: " + std::string(500, 'v') + "\r\n", 40) + "\r\n", 431},
      {"one 20,000-byte cookie", "GET /old HTTP/1.1\r\nHost: a\r\nCookie: " + std::string(20000, 'c') + "\r\n\r\n", 431},
      {"a header name that never ends", "GET /old HTTP/1.1\r\nHost: a\r\nX-" + std::string(65536, 'n'), 431},
      {"headers that never end", "GET /old HTTP/1.1\r\nHost: a\r\n" + repeated("X-More: " + std::string(1000, 'm') + "\r\n", 100), 431},
  };
  for (const auto& c : cases) {
    INFO(c.why);
    const EdgeParse p = parse(c.head);
    CHECK(p.state == EdgeParse::kError);
    CHECK(p.error_status == c.status);
  }
  // Just within the bounds.
  const std::string fits = "GET /" + std::string(8192 - 20, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK(parse(fits).state == EdgeParse::kComplete);
  const std::string long_header = "GET /old HTTP/1.1\r\nHost: a\r\nX-Ok: " + std::string(8000, 'k') + "\r\n\r\n";
  CHECK(parse(long_header).state == EdgeParse::kComplete);
  // Smaller limits are honoured: exactly at the bound, and one byte over.
  EdgeRequestLimits small;
  small.max_request_line = 16;  // "GET /abc HTTP/1.1" is 17
  small.max_header_bytes = 32;
  CHECK(parse("GET /ab HTTP/1.1\r\nHost: a\r\n\r\n", small).state == EdgeParse::kComplete);
  CHECK(parse("GET /abc HTTP/1.1\r\nHost: a\r\n\r\n", small).error_status == 414);
  CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(20, 'x') + "\r\n\r\n", small).error_status == 431);
}

TEST_CASE("edge request: a head not yet complete asks for more bytes", "[edge][request]") {
  for (const std::string partial : {"", "G", "GET /old HTTP/1.1", "GET /old HTTP/1.1\r\n",
                                    "GET /old HTTP/1.1\r\nHost: exa", "GET /old HTTP/1.1\r\nHost: a\r\n",
                                    "GET /old HTTP/1.1\r\nHost: a\r\n\r", "\r\n\r\n"}) {
    INFO(partial);
    CHECK(parse(partial).state == EdgeParse::kIncomplete);
  }
}

TEST_CASE("edge request: what a complete head is read as", "[edge][request]") {
  SECTION("method, target and Host as received, the head's size") {
    const std::string head = "GET /Old%20x?q=1 HTTP/1.1\r\nHost: Example.COM:8080\r\nX-Other: y\r\n\r\n";
    const std::string buffer = head + "GET /next HTTP/1.1\r\n";
    const EdgeParse p = parse(buffer);
    REQUIRE(p.state == EdgeParse::kComplete);
    CHECK(p.request.method == "GET");
    CHECK(p.request.target == "/Old%20x?q=1");
    CHECK(p.request.host == "Example.COM:8080");
    CHECK_FALSE(p.request.http10);
    CHECK(p.request.body == EdgeRequest::Body::kNone);
    CHECK(p.request.head_size == head.size());
    CHECK_FALSE(p.request.is_head());
  }
  SECTION("hosts as clients send them") {
    for (const std::string host : {"example.com", "example.com:8080", "[::1]:8080", "127.0.0.1",
                                   "xn--caf-dma.example", "EXAMPLE.COM."}) {
      INFO(host);
      const std::string head = "GET /h/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
      const EdgeParse p = parse(head);
      REQUIRE(p.state == EdgeParse::kComplete);
      CHECK(p.request.host == host);
    }
  }
  SECTION("bare LF line ends, empty lines before the request line") {
    const std::string head = "\r\n\r\n\nGET /old HTTP/1.1\nHost: a\n\n";
    const EdgeParse p = parse(head);
    REQUIRE(p.state == EdgeParse::kComplete);
    CHECK(p.request.target == "/old");
    CHECK(p.request.head_size == head.size());
  }
  SECTION("bodies") {
    const struct {
      std::string headers;
      EdgeRequest::Body body;
      std::uint64_t length;
    } cases[] = {
        {"Content-Length: 3\r\nContent-Length: 3\r\n", EdgeRequest::Body::kLength, 3},
        {"Content-Length: 003\r\n", EdgeRequest::Body::kLength, 3},
        {"Content-Length: 50000\r\n", EdgeRequest::Body::kLength, 50000},
        {"Content-Length: 0\r\n", EdgeRequest::Body::kNone, 0},
        {"Transfer-Encoding: chunked\r\n", EdgeRequest::Body::kChunked, 0},
        {"Transfer-Encoding: gzip, chunked\r\n", EdgeRequest::Body::kChunked, 0},
        {"", EdgeRequest::Body::kNone, 0},
    };
    for (const auto& c : cases) {
      INFO(c.headers);
      const EdgeParse p = parse("POST /old HTTP/1.1\r\nHost: a\r\n" + c.headers + "\r\n");
      REQUIRE(p.state == EdgeParse::kComplete);
      CHECK(p.request.body == c.body);
      CHECK(p.request.content_length == c.length);
    }
  }
  SECTION("HTTP/1.0, Connection tokens in any case") {
    const std::string head = "HEAD /old HTTP/1.0\r\n\r\n";
    const EdgeParse old = parse(head);
    REQUIRE(old.state == EdgeParse::kComplete);
    CHECK(old.request.http10);
    CHECK(old.request.host.empty());
    CHECK(old.request.is_head());
    CHECK_FALSE(old.request.asks_close);
    CHECK_FALSE(old.request.asks_keep_alive);
    const EdgeParse both = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive, foo\r\nconnection: CLOSE\r\n\r\n");
    REQUIRE(both.state == EdgeParse::kComplete);
    CHECK(both.request.asks_keep_alive);
    CHECK(both.request.asks_close);
  }
}
