// The edge listener under malformed requests, oversized requests and slow
// clients: clear answers, never a crash or a stuck loop.
#include <catch2/catch.hpp>

#include <vector>

#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

struct Served : RunningEdge {
  explicit Served(EdgeOptions options = {}) : RunningEdge(std::move(options)) {
    Rules rules;
    rules.version = 1;
    rules.redirects = {redirect("BASIC", "/old", "/new")};
    rules.pages = {page("BASIC", "/robots.txt", "User-agent: *\n")};
    served.swap_in(build_table(rules));
  }
};

// The status of the answer to `bytes`, and whether the server then closed.
std::pair<int, bool> refusal(std::uint16_t port, const std::string& bytes) {
  RawClient client(port);
  client.send(bytes);
  const auto r = client.read_response();
  if (!r) return {0, false};
  return {r->status, r->header("connection") == "close" && client.closed_by_server()};
}

}  // namespace

TEST_CASE("edge limits: a request line over the bound gets 414", "[edge][limits][threads]") {
  Served edge;
  const std::string long_target = "/" + std::string(9000, 'a');
  CHECK(refusal(edge.port(), request("GET", long_target)) == std::pair{414, true});
  // Even before the line ends.
  RawClient client(edge.port());
  client.send("GET /" + std::string(10000, 'a'));
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 414);
  // Just under the bound is fine.
  const std::string fits = "/" + std::string(8192 - 20, 'a');
  const auto ok = round_trip(edge.port(), request("GET", fits));
  REQUIRE(ok);
  CHECK(ok->status == 404);
}

TEST_CASE("edge limits: header lines over the bound get 431", "[edge][limits][threads]") {
  Served edge;
  std::string many;
  for (int i = 0; i < 40; ++i) many += "X-Filler-" + std::to_string(i) + ": " + std::string(500, 'v') + "\r\n";
  CHECK(refusal(edge.port(), request("GET", "/old", "example.com", many)) == std::pair{431, true});
  CHECK(refusal(edge.port(), request("GET", "/old", "example.com",
                                     "Cookie: " + std::string(20000, 'c') + "\r\n")) ==
        std::pair{431, true});
  // A client that never ends its headers is stopped at the bound too.
  RawClient endless(edge.port());
  std::optional<RawResponse> r;
  endless.send("GET /old HTTP/1.1\r\nHost: example.com\r\n");
  for (int i = 0; i < 100 && endless.send("X-More: " + std::string(1000, 'm') + "\r\n"); ++i) {
  }
  r = endless.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  // Headers within the bound are fine.
  const auto ok = round_trip(edge.port(), request("GET", "/old", "example.com", "X-Ok: " + std::string(8000, 'k') + "\r\n"));
  REQUIRE(ok);
  CHECK(ok->status == 301);
}

TEST_CASE("edge limits: malformed requests get 400 (and other versions 505)", "[edge][limits][threads]") {
  Served edge;
  const std::vector<std::string> malformed = {
      "GET /old\r\n\r\n",                                             // no version
      "GET  /old HTTP/1.1\r\nHost: a\r\n\r\n",                        // double space
      "GET /old HTTP/1.1 extra\r\nHost: a\r\n\r\n",                   // three parts and more
      "G(T /old HTTP/1.1\r\nHost: a\r\n\r\n",                         // method not a token
      "GET /old HTTP/1.1\r\n\r\n",                                    // HTTP/1.1 without Host
      "GET /old HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",              // two Hosts
      "GET /old HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",              // header without colon
      "GET /old HTTP/1.1\r\nHost : a\r\n\r\n",                        // space before colon
      "GET /old HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n",      // obs-fold
      "GET /old HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n",            // control byte in a value
      "GET /old HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",   // bad length
      "GET /old HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /old HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET /old HTTP/1.1\rHost: a\r\n\r\n",                            // lone CR
      "GET /o\x7f HTTP/1.1\r\nHost: a\r\n\r\n",                       // DEL in the target
      "\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n\r\n",         // TLS on the plain port
  };
  for (const auto& bytes : malformed) {
    INFO(bytes);
    CHECK(refusal(edge.port(), bytes) == std::pair{400, true});
  }
  CHECK(refusal(edge.port(), "GET /old HTTP/2.0\r\nHost: a\r\n\r\n") == std::pair{505, true});
  // Tolerated: bare LF line ends and an empty line before the request.
  const auto lf = round_trip(edge.port(), "\r\nGET /old HTTP/1.1\nHost: a\n\n");
  REQUIRE(lf);
  CHECK(lf->status == 301);
}

TEST_CASE("edge limits: bodies are dropped up to the bound, refused beyond it", "[edge][limits][threads]") {
  EdgeOptions options;
  options.max_body_bytes = 100'000;
  Served edge(options);
  RawClient client(edge.port());
  const std::string body(50'000, 'b');
  REQUIRE(client.send(request("POST", "/old", "example.com", "Content-Length: 50000\r\n") + body +
                      request("GET", "/robots.txt")));
  const auto first = client.read_response();
  const auto second = client.read_response();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->status == 301);
  CHECK(second->status == 200);  // the body was not taken for a request

  CHECK(refusal(edge.port(), request("POST", "/old", "example.com", "Content-Length: 100001\r\n")) ==
        std::pair{413, true});

  // A chunked body is not read: answered, then the connection closes.
  RawClient chunked(edge.port());
  REQUIRE(chunked.send(request("POST", "/old", "example.com", "Transfer-Encoding: chunked\r\n") +
                       "5\r\nhello\r\n0\r\n\r\n"));
  const auto r = chunked.read_response();
  REQUIRE(r);
  CHECK(r->status == 301);
  CHECK(r->header("connection") == "close");
  CHECK(chunked.closed_by_server());
}

TEST_CASE("edge limits: slow clients get 408 and cannot starve the others", "[edge][limits][threads]") {
  EdgeOptions options;
  options.threads = 1;  // one loop: a blocking server would be stuck on the first slow client
  options.header_timeout = std::chrono::milliseconds(300);
  Served edge(options);
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<RawClient>(edge.port()));
    REQUIRE(slow.back()->send("GET /old HTTP/1.1\r\nHost: exa"));
  }
  // Served while every slow client is still pending.
  const auto fast = round_trip(edge.port(), request("GET", "/old"));
  REQUIRE(fast);
  CHECK(fast->status == 301);
  for (auto& client : slow) {
    const auto r = client->read_response();
    REQUIRE(r);
    CHECK(r->status == 408);
    CHECK(client->closed_by_server());
  }
  // A body that stops arriving ends the same way.
  RawClient stalled(edge.port());
  REQUIRE(stalled.send(request("POST", "/old", "example.com", "Content-Length: 10\r\n") + "abc"));
  const auto answered = stalled.read_response();
  REQUIRE(answered);
  CHECK(answered->status == 301);
  const auto timed_out = stalled.read_response();
  REQUIRE(timed_out);
  CHECK(timed_out->status == 408);
}

TEST_CASE("edge limits: idle keep-alive connections are closed", "[edge][limits][threads]") {
  EdgeOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  Served edge(options);
  RawClient client(edge.port());
  REQUIRE(client.send(request("GET", "/old")));
  REQUIRE(client.read_response());
  CHECK(client.closed_by_server());
}

TEST_CASE("edge limits: connections beyond max_connections are closed at once", "[edge][limits][threads]") {
  EdgeOptions options;
  options.max_connections = 2;
  Served edge(options);
  RawClient a(edge.port());
  RawClient b(edge.port());
  REQUIRE(a.send(request("GET", "/old")));
  REQUIRE(b.send(request("GET", "/old")));
  REQUIRE(a.read_response());
  REQUIRE(b.read_response());
  RawClient c(edge.port());
  c.send(request("GET", "/old"));
  CHECK_FALSE(c.read_response());
  CHECK(c.closed_by_server());
}
