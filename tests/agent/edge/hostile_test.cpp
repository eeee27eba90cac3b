// The edge listener under hostile requests (issue 5): many idle and
// byte-at-a-time connections, request smuggling shapes, forbidden bytes in
// heads, and request targets built to inject headers into a redirect. The
// answers are checked on the raw bytes, as a client or a proxy reads them.
//
// Names start with "edge: hostile" so that scripts/test-sanitizers.sh runs
// them under ThreadSanitizer too.
#define CATCH_CONFIG_ENABLE_PAIR_STRINGMAKER
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;
using Clock = std::chrono::steady_clock;

namespace {

Rules hostile_rules() {
  Rules rules;
  rules.version = 1;
  rules.redirects = {
      redirect("BASIC", "/old", "/new"),
      redirect("REGEX", "^/r/(.*)$", "/$1"),                    // the capture is the whole path
      redirect("REGEX", "^/q/(.*)$", "/landing?from=$1"),       // the capture lands in the query
      redirect("REGEX", "^/abs/(.*)$", "https://example.org/$1"),
      redirect("REGEX_HOST", "^([^/]*)/h/(.*)$", "https://$1/landing/$2"),  // from the Host
  };
  rules.pages = {page("BASIC", "/robots.txt", "User-agent: *\n")};
  return rules;
}

struct Served : RunningEdge {
  explicit Served(EdgeOptions options = {}) : RunningEdge(std::move(options)) {
    served.swap_in(build_table(hostile_rules()));
  }
};

// Sends `bytes` on a new connection and returns every byte the server sends
// until it closes.
std::string exchange(std::uint16_t port, std::string_view bytes) {
  RawClient client(port);
  client.send(bytes);
  return client.read_until_closed();
}

// The statuses of the next two answers on `client`, 0 for one that did not
// come.
std::pair<int, int> next_two_statuses(RawClient& client) {
  const auto first = client.read_response();
  const auto second = client.read_response();
  return {first ? first->status : 0, second ? second->status : 0};
}

// The lines of the raw answer that start an HTTP response.
int status_lines(std::string_view raw) {
  int count = 0;
  for (std::size_t pos = 0; pos < raw.size();) {
    if (raw.substr(pos).starts_with("HTTP/")) ++count;
    const auto lf = raw.find('\n', pos);
    if (lf == std::string_view::npos) break;
    pos = lf + 1;
  }
  return count;
}

// One answer, read off the raw bytes and checked for shape: a status line,
// header lines "Name: value" of printable ASCII, an empty line, a body of
// exactly Content-Length bytes, and nothing after it.
struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // as written; a name twice fails the check
  std::string body;
};

Answer one_clean_answer(const std::string& raw) {
  INFO("raw answer: " << raw);
  Answer answer;
  REQUIRE(status_lines(raw) == 1);
  const auto head_end = raw.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::string head = raw.substr(0, head_end + 2);
  static const std::regex status_line(R"(HTTP/1\.1 ([0-9]{3}) [A-Za-z ]+)");
  static const std::regex header_line(R"(([A-Za-z-]+): ([\x20-\x7e]*))");
  std::size_t pos = 0;
  for (bool first = true; pos < head.size(); first = false) {
    const auto crlf = head.find("\r\n", pos);
    const std::string line = head.substr(pos, crlf - pos);
    pos = crlf + 2;
    REQUIRE(line.find('\r') == std::string::npos);
    REQUIRE(line.find('\n') == std::string::npos);
    std::smatch m;
    if (first) {
      REQUIRE(std::regex_match(line, m, status_line));
      answer.status = std::stoi(m[1]);
      continue;
    }
    REQUIRE(std::regex_match(line, m, header_line));
    REQUIRE(answer.headers.emplace(m[1], m[2]).second);
  }
  static const std::set<std::string> known = {"Date", "Location", "Content-Type", "Content-Length",
                                              "Connection", "Retry-After", "Allow",
                                              "X-Content-Type-Options"};
  for (const auto& [name, value] : answer.headers) CHECK(known.count(name) == 1);
  REQUIRE(answer.headers.count("Content-Length") == 1);
  answer.body = raw.substr(head_end + 4);
  CHECK(answer.body.size() == std::stoul(answer.headers["Content-Length"]));
  return answer;
}

// The status and whether it was the only answer before the server closed.
std::pair<int, bool> refused(std::uint16_t port, std::string_view bytes) {
  const std::string raw = exchange(port, bytes);
  if (raw.empty()) return {0, false};
  Answer a = one_clean_answer(raw);
  return {a.status, a.headers["Connection"] == "close"};
}

std::string get_closing(std::string_view target, std::string_view host = "example.com") {
  return request("GET", target, host, "Connection: close\r\n");
}

// Raises the soft descriptor limit towards `wanted`; returns what is usable.
rlim_t raise_descriptor_limit(rlim_t wanted) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return 0;
  if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < wanted) {
    files.rlim_cur = files.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, files.rlim_max);
    setrlimit(RLIMIT_NOFILE, &files);
    getrlimit(RLIMIT_NOFILE, &files);
  }
  return files.rlim_cur;
}

}  // namespace

TEST_CASE("edge: hostile idle and byte-at-a-time connections do not hold up fresh requests",
          "[edge][hostile][threads]") {
  // Each held connection costs two descriptors in this process (client and
  // server side); leave room for the rest of the test binary.
  int idle_count = 1000;
  const int slow_count = 100;
  const rlim_t limit = raise_descriptor_limit(2 * (idle_count + slow_count) + 512);
  if (limit < rlim_t(2 * (idle_count + slow_count) + 512)) {
    // A hard limit this low cannot hold 1,000 connections on both ends.
    idle_count = static_cast<int>((limit - 512) / 2) - slow_count;
    WARN("descriptor hard limit " << limit << ": holding " << idle_count << " idle connections");
    REQUIRE(idle_count >= 100);
  }
  EdgeOptions options;
  options.threads = 2;
  Served edge(options);

  std::vector<std::unique_ptr<RawClient>> idle, slow;
  for (int i = 0; i < idle_count; ++i) idle.push_back(std::make_unique<RawClient>(edge.port()));
  const std::string slow_request = request("GET", "/old");
  for (int i = 0; i < slow_count; ++i) {
    slow.push_back(std::make_unique<RawClient>(edge.port()));
    REQUIRE(slow.back()->send(slow_request.substr(0, 1)));
  }
  // Wait until the server holds every one of them (connect() returns once
  // the kernel queued the connection, before the server accepted it).
  const auto accepted = [&] {
    std::uint64_t sum = 0;
    for (const auto n : edge.server.accepted_per_loop()) sum += n;
    return sum;
  };
  for (int i = 0; i < 2000 && accepted() < std::uint64_t(idle_count + slow_count); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(accepted() == std::uint64_t(idle_count + slow_count));

  // Each round: one more byte from every slow client, then a fresh request,
  // answered within the second issue 5 asks for.
  for (std::size_t sent = 1; sent < 12; ++sent) {
    for (auto& client : slow) REQUIRE(client->send(slow_request.substr(sent, 1)));
    const auto start = Clock::now();
    const auto fresh = round_trip(edge.port(), request("GET", "/robots.txt"));
    const auto took = Clock::now() - start;
    REQUIRE(fresh);
    CHECK(fresh->status == 200);
    CHECK(took < std::chrono::seconds(1));
  }
  // The held connections were kept, not dropped: they still get answers.
  for (auto& client : slow) {
    REQUIRE(client->send(slow_request.substr(12)));
    const auto r = client->read_response();
    REQUIRE(r);
    CHECK(r->status == 301);
  }
  for (int i = 0; i < idle_count; i += 97) {
    REQUIRE(idle[i]->send(request("GET", "/old")));
    const auto r = idle[i]->read_response();
    REQUIRE(r);
    CHECK(r->status == 301);
  }
}

TEST_CASE("edge: hostile smuggling shapes get 400 and a close, and nothing after them is answered",
          "[edge][hostile][threads]") {
  Served edge;
  // Each head is followed by what a front end reading the body the other way
  // would take for the next request; it must never be answered.
  const std::string smuggled = "0\r\n\r\nGET /robots.txt HTTP/1.1\r\nHost: example.com\r\n\r\n";
  const std::vector<std::string> heads = {
      // Content-Length and Transfer-Encoding together (RFC 9112, 6.1), either order, any case.
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\ntransfer-encoding: CHUNKED\r\n\r\n",
      // Two different lengths, or a list of them.
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
      // Transfer codings other than a final chunked.
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n",
      // Transfer-Encoding in HTTP/1.0, which has none.
      "POST /old HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      // Header names bent so that another parser might not see them.
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n Transfer-Encoding: chunked\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nX: y\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
  };
  for (const auto& head : heads) {
    INFO(head);
    CHECK(refused(edge.port(), head + smuggled) == std::pair{400, true});
  }
}

TEST_CASE("edge: hostile bodies: the next request is parsed at the right byte", "[edge][hostile][threads]") {
  Served edge;
  const std::string next = request("GET", "/robots.txt");
  const std::string inner = request("GET", "/old");  // a request inside a body is body

  // A body holding a request, then a real request: two answers, not three.
  {
    RawClient client(edge.port());
    REQUIRE(client.send(request("POST", "/nothing", "example.com",
                                "Content-Length: " + std::to_string(inner.size()) + "\r\n") +
                        inner + next));
    CHECK(next_two_statuses(client) == std::pair{404, 200});
  }
  // The same, a byte at a time.
  {
    RawClient client(edge.port());
    const std::string bytes = request("POST", "/nothing", "example.com",
                                      "Content-Length: " + std::to_string(inner.size()) + "\r\n") +
                              inner + next;
    for (const char c : bytes) REQUIRE(client.send(std::string(1, c)));
    CHECK(next_two_statuses(client) == std::pair{404, 200});
  }
  // Repeated identical Content-Length lines are one length; leading zeros
  // are the same number; Content-Length: 0 has no body.
  for (const std::string lengths : {"Content-Length: 3\r\nContent-Length: 3\r\n",
                                    "Content-Length: 003\r\n"}) {
    INFO(lengths);
    RawClient client(edge.port());
    REQUIRE(client.send(request("POST", "/old", "example.com", lengths) + "abc" + next));
    CHECK(next_two_statuses(client) == std::pair{301, 200});
  }
  {
    RawClient client(edge.port());
    REQUIRE(client.send(request("POST", "/old", "example.com", "Content-Length: 0\r\n") + next));
    CHECK(next_two_statuses(client) == std::pair{301, 200});
  }
  // A chunked body is not read: one answer, "Connection: close", and what
  // follows the chunks is never taken for a request.
  {
    const std::string raw = exchange(
        edge.port(), request("POST", "/old", "example.com", "Transfer-Encoding: gzip, chunked\r\n") +
                         "5\r\nhello\r\n0\r\n\r\n" + next);
    Answer a = one_clean_answer(raw);
    CHECK(a.status == 301);
    CHECK(a.headers["Connection"] == "close");
  }
}

TEST_CASE("edge: hostile NUL, bare CR, folded lines and bent header names get 400",
          "[edge][hostile][threads]") {
  Served edge;
  using namespace std::string_literals;
  const std::vector<std::string> malformed = {
      "GET /old\0 HTTP/1.1\r\nHost: a\r\n\r\n"s,               // NUL in the target
      "GE\0T /old HTTP/1.1\r\nHost: a\r\n\r\n"s,               // NUL in the method
      "GET /old HTTP/1.1\0\r\nHost: a\r\n\r\n"s,               // NUL after the version
      "GET /old HTTP/1.1\r\nHo\0st: a\r\n\r\n"s,               // NUL in a header name
      "GET /old HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s,      // NUL in a header value
      "GET /old HTTP/1.1\r\nHost: a\0\r\n\r\n"s,               // NUL ending the Host
      "GET /old HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"s,      // bare CR in a value
      "GET /old HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n"s,       // CR CR LF
      "GET /old HTTP/1.1\r\nHost: a\r\nX\r: a\r\n\r\n"s,       // bare CR in a name
      "GET /o\rld HTTP/1.1\r\nHost: a\r\n\r\n"s,               // bare CR in the target
      "GET /old HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n"s,           // CR CR LF is no empty line: a bad header line
      "\rGET /old HTTP/1.1\r\nHost: a\r\n\r\n"s,               // bare CR before the request
      "GET /old HTTP/1.1\r\n Host: a\r\n\r\n"s,                // white space before the first header
      "GET /old HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tfolded\r\n\r\n"s,  // obs-fold (RFC 9112, 5.2)
      "GET /old HTTP/1.1\r\nHost: a\r\nX : 1\r\n\r\n"s,        // space before the colon
      "GET /old HTTP/1.1\r\nHost\t: a\r\n\r\n"s,               // tab before the colon
      "GET /old HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n"s, // no name
      "GET /o\tld HTTP/1.1\r\nHost: a\r\n\r\n"s,               // tab in the target
      "GET\t/old HTTP/1.1\r\nHost: a\r\n\r\n"s,                // tab as a separator
  };
  for (std::size_t i = 0; i < malformed.size(); ++i) {
    INFO("case " << i);
    CHECK(refused(edge.port(), malformed[i]) == std::pair{400, true});
  }
}

TEST_CASE("edge: hostile Host values that are not a host get 400", "[edge][hostile][threads]") {
  Served edge;
  // A REGEX_HOST capture would carry these into a Location.
  for (const std::string host : {"a b", "evil.example/x", "evil.example\\x", "user@evil.example",
                                 "caf\xc3\xa9.example", "a\"b", "<a>", "a\tb", "a{b}", "a?b",
                                 "a#b"}) {
    INFO(host);
    CHECK(refused(edge.port(), get_closing("/h/x", host)) == std::pair{400, true});
  }
  // Hosts as clients send them are fine, port and IP literals included.
  for (const std::string host : {"example.com", "example.com:8080", "[::1]:8080", "127.0.0.1",
                                 "xn--caf-dma.example", "EXAMPLE.COM."}) {
    INFO(host);
    Answer a = one_clean_answer(exchange(edge.port(), get_closing("/h/x", host)));
    CHECK(a.status == 301);
    CHECK(a.headers["Location"] == "https://" + host + "/landing/x");
  }
}

TEST_CASE("edge: hostile request targets cannot inject headers or split the answer",
          "[edge][hostile][threads]") {
  Served edge;
  // request target -> the exact Location (Go's http.Redirect, every byte
  // outside printable ASCII as %xx).
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Encoded CR LF stays encoded: never decoded into a line break.
      {"/r/%0d%0aSet-Cookie:%20evil=1", "/%0d%0aSet-Cookie:%20evil=1"},
      {"/r/%0D%0A%0D%0AHTTP/1.1%20200%20OK", "/%0D%0A%0D%0AHTTP/1.1%20200%20OK"},
      {"/q/x%0d%0aLocation:%20//evil", "/landing?from=x%0d%0aLocation:%20//evil"},
      {"/abs/%0d%0a%00", "https://example.org/%0d%0a%00"},
      {"/r/%00", "/%00"},
      // Non-ASCII bytes are percent-encoded before matching, as Go re-encodes
      // a path that is not validly encoded (request_target.hpp).
      {"/r/caf\xc3\xa9/\xe2\x82\xac", "/caf%C3%A9/%E2%82%AC"},
      {"/abs/\xe2\x80\xa8x", "https://example.org/%E2%80%A8x"},
      // In the query they are kept as received, as Go keeps them, and
      // Location encodes them.
      {"/q/x?\xe2\x80\xa8", "/landing?from=x?%e2%80%a8"},
      // Dot segments are cleaned; encoded ones are not decoded.
      {"/r/a/../../../b", "/b"},
      {"/r/..%2f..%2fetc", "/..%2f..%2fetc"},
      // "//host" from a capture makes a scheme-relative URL, as Go's
      // http.Redirect writes it (see the report on open redirects); a raw
      // backslash is read as %5C, as Go reads it, so a browser never takes it
      // for a '/'. Neither can break the header.
      {"/r//evil.example/x", "//evil.example/x"},
      {"/r/\\evil.example", "/%5Cevil.example"},
      {"/r/%2f%2fevil.example", "/%2f%2fevil.example"},
  };
  for (const auto& [target, location] : cases) {
    INFO(target);
    Answer a = one_clean_answer(exchange(edge.port(), get_closing(target)));
    CHECK(a.status == 301);
    CHECK(a.headers["Location"] == location);
    for (const char c : a.headers["Location"]) {
      const auto u = static_cast<unsigned char>(c);
      CHECK((u > 0x20 && u < 0x7f));  // no CR, LF, NUL, space or non-ASCII
    }
    CHECK(a.headers.count("Set-Cookie") == 0);
  }
  // Raw CR, LF, NUL, space or tab can never reach a capture: the request is
  // refused before matching.
  using namespace std::string_literals;
  for (const std::string& target : {"/r/a\rSet-Cookie:x"s, "/r/a\0b"s, "/r/a\x0b"s, "/r/a\x1b[0m"s}) {
    INFO(target);
    CHECK(refused(edge.port(), get_closing(target)) == std::pair{400, true});
  }
  CHECK(refused(edge.port(), "GET /r/a\nSet-Cookie: x HTTP/1.1\r\nHost: a\r\n\r\n") ==
        std::pair{400, true});
}

TEST_CASE("edge: hostile endless empty lines before a request get 400", "[edge][hostile][threads]") {
  Served edge;  // the default 10 s head timeout: a 408 would mean they were all buffered
  RawClient client(edge.port());
  std::string lines;
  for (int i = 0; i < 4096; ++i) lines += "\r\n";
  for (int i = 0; i < 16 && client.send(lines); ++i) {
  }
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(client.closed_by_server());
  // A few empty lines before a request are still skipped (RFC 9112, 2.2).
  const auto ok = round_trip(edge.port(), "\r\n\r\n\n" + request("GET", "/old"));
  REQUIRE(ok);
  CHECK(ok->status == 301);
}

TEST_CASE("edge: hostile oversized heads: many short header lines, an endless name",
          "[edge][hostile][threads]") {
  Served edge;
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "a:b\r\n";
  CHECK(refused(edge.port(), request("GET", "/old", "example.com", many)) == std::pair{431, true});
  // A header name that never ends, a chunk at a time.
  RawClient client(edge.port());
  REQUIRE(client.send("GET /old HTTP/1.1\r\nHost: a\r\nX-"));
  for (int i = 0; i < 64 && client.send(std::string(1024, 'n')); ++i) {
  }
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  // The request line bound holds for a method as long as for a target.
  CHECK(refused(edge.port(), std::string(9000, 'G') + " / HTTP/1.1\r\nHost: a\r\n\r\n") ==
        std::pair{414, true});
}
