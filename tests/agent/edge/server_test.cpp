// The edge listener's answers, end to end through a loopback socket.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "agent/admin/metrics.hpp"
#include "agent/edge/redirect_location.hpp"
#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

Rules sample_rules() {
  Rules rules;
  rules.version = 7;
  rules.redirects = {
      redirect("BASIC", "/old", "/new"),
      redirect("BASIC", "/found", "https://example.org/x", "FOUND"),
      redirect("BASIC", "/temp", "/t", "TEMPORARY_REDIRECT"),
      redirect("BASIC", "/perm", "/p", "PERMANENT_REDIRECT"),
      redirect("BASIC_HOST", "example.com:8080/host", "/by-host"),
      redirect("BASIC", "/docs/relative", "sibling?from=relative"),
      redirect("BASIC", "/dots", "/a//b/./c/../d/?keep=../q"),
      redirect("BASIC", "/unicode", "/caf\xc3\xa9"),
      redirect("BASIC", "/inject", "/x\r\nSet-Cookie: evil=1"),
      redirect("REGEX", "^/blog/(.*)$", "/articles/$1"),
      redirect("BASIC", "/both", "/redirect-wins"),
      redirect("BASIC", "/Case", "/upper"),
  };
  rules.pages = {
      page("BASIC", "/robots.txt", "User-agent: *\nDisallow:\n"),
      page("BASIC", "/sitemap.xml", "<urlset/>", "XML"),
      page("BASIC", "/both", "page loses"),
      page("BASIC_HOST", "example.com/host-page", std::string("bin\0ary\xff", 8)),
  };
  return rules;
}

struct Served : RunningEdge {
  explicit Served(EdgeOptions options = {}) : RunningEdge(std::move(options)) {
    served.swap_in(build_table(sample_rules()));
  }
};

}  // namespace

TEST_CASE("edge: before any table is served every request gets 503", "[edge][threads]") {
  RunningEdge edge;
  const auto r = round_trip(edge.port(), request("GET", "/old"));
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->header("retry-after") == "5");
  edge.served.swap_in(build_table(sample_rules()));
  const auto after = round_trip(edge.port(), request("GET", "/old"));
  REQUIRE(after);
  CHECK(after->status == 301);
}

TEST_CASE("edge: redirects with each status code, Location and HTML body", "[edge][threads]") {
  Served edge;
  const std::pair<const char*, int> cases[] = {{"/old", 301}, {"/found", 302}, {"/temp", 307},
                                               {"/perm", 308}};
  for (const auto& [path, code] : cases) {
    INFO(path);
    const auto r = round_trip(edge.port(), request("GET", path));
    REQUIRE(r);
    CHECK(r->status == code);
    CHECK(r->header("content-type") == "text/html; charset=utf-8");
    CHECK(r->body == redirect_html_body(r->header("location"), code));
  }
  const auto r = round_trip(edge.port(), request("GET", "/found"));
  REQUIRE(r);
  CHECK(r->status_line == "HTTP/1.1 302 Found");
  CHECK_THAT(r->header("date"), Catch::EndsWith(" GMT"));
  CHECK(r->header("date").size() == 29);
  CHECK(r->header("location") == "https://example.org/x");
  CHECK(r->body == "<a href=\"https://example.org/x\">Found</a>.\n\n");
}

TEST_CASE("edge: HEAD gets the headers without a body, other methods no HTML", "[edge][threads]") {
  Served edge;
  RawClient client(edge.port());
  REQUIRE(client.send(request("HEAD", "/old")));
  const auto head = client.read_response(true);
  REQUIRE(head);
  CHECK(head->status == 301);
  CHECK(head->header("location") == "/new");
  CHECK(head->header("content-type") == "text/html; charset=utf-8");
  CHECK(head->header("content-length") == std::to_string(redirect_html_body("/new", 301).size()));
  // The next answer on the same connection starts right after the head: no body was sent.
  REQUIRE(client.send(request("POST", "/old", "example.com", "Content-Length: 3\r\n") + "abc"));
  const auto post = client.read_response();
  REQUIRE(post);
  CHECK(post->status == 301);
  CHECK(post->header("location") == "/new");
  CHECK_FALSE(post->has_header("content-type"));
  CHECK(post->header("content-length") == "0");
  CHECK(post->body.empty());
}

TEST_CASE("edge: Host and target are matched as received", "[edge][threads]") {
  Served edge;
  const auto by_host = round_trip(edge.port(), request("GET", "/host", "example.com:8080"));
  REQUIRE(by_host);
  CHECK(by_host->status == 301);
  CHECK(by_host->header("location") == "/by-host");
  // No lower-casing, no port stripping, no decoding, no clean-up.
  for (const auto& [host, target] : std::initializer_list<std::pair<const char*, const char*>>{
           {"example.com", "/host"},
           {"EXAMPLE.COM:8080", "/host"},
           {"example.com", "/case"},
           {"example.com", "/%6Fld"},
           {"example.com", "//old"},
           {"example.com", "/x/../old"}}) {
    INFO(host << target);
    const auto r = round_trip(edge.port(), request("GET", target, host));
    REQUIRE(r);
    CHECK(r->status == 404);
  }
  const auto upper = round_trip(edge.port(), request("GET", "/Case"));
  REQUIRE(upper);
  CHECK(upper->status == 301);
}

TEST_CASE("edge: Location is resolved and encoded like Go's http.Redirect", "[edge][threads]") {
  Served edge;
  const auto location = [&](const std::string& target) {
    const auto r = round_trip(edge.port(), request("GET", target));
    REQUIRE(r);
    CHECK(r->status == 301);
    return r->header("location");
  };
  CHECK(location("/docs/relative") == "/docs/sibling?from=relative");
  CHECK(location("/dots") == "/a/b/d/?keep=../q");
  CHECK(location("/unicode") == "/caf%c3%a9");
  CHECK(location("/inject") == "/x%0d%0aSet-Cookie: evil=1");
  // Captured text: raw non-ASCII bytes in the path are matched re-encoded
  // (request_target.hpp), so they reach Location encoded.
  CHECK(location("/blog/\xc3\xa9t\xc3\xa9?a=1") == "/articles/%C3%A9t%C3%A9?a=1");
  CHECK(location("/blog/x%0D%0AInjected:%20y") == "/articles/x%0D%0AInjected:%20y");
  const auto injected = round_trip(edge.port(), request("GET", "/inject"));
  REQUIRE(injected);
  CHECK_FALSE(injected->has_header("set-cookie"));
}

TEST_CASE("edge: pages get 200 with their bytes, other methods 405", "[edge][threads]") {
  Served edge;
  const auto robots = round_trip(edge.port(), request("GET", "/robots.txt"));
  REQUIRE(robots);
  CHECK(robots->status == 200);
  CHECK(robots->header("content-type") == "text/plain");
  CHECK(robots->body == "User-agent: *\nDisallow:\n");
  CHECK(robots->header("content-length") == std::to_string(robots->body.size()));

  const auto xml = round_trip(edge.port(), request("GET", "/sitemap.xml"));
  REQUIRE(xml);
  CHECK(xml->header("content-type") == "application/xml");
  CHECK(xml->body == "<urlset/>");

  const auto binary = round_trip(edge.port(), request("GET", "/host-page"));
  REQUIRE(binary);
  CHECK(binary->status == 200);
  CHECK(binary->body == std::string("bin\0ary\xff", 8));

  const auto head = round_trip(edge.port(), request("HEAD", "/robots.txt"), true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("content-length") == "24");

  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    INFO(method);
    const auto r = round_trip(edge.port(), request(method, "/robots.txt"));
    REQUIRE(r);
    CHECK(r->status == 405);
    CHECK(r->header("allow") == "GET, HEAD");
  }
  // A Range header does not turn a page into a partial answer.
  const auto ranged = round_trip(edge.port(), request("GET", "/robots.txt", "example.com", "Range: bytes=0-3\r\n"));
  REQUIRE(ranged);
  CHECK(ranged->status == 200);
  CHECK(ranged->body.size() == 24);
}

TEST_CASE("edge: a redirect wins over a page, nothing matched is 404", "[edge][threads]") {
  Served edge;
  const auto both = round_trip(edge.port(), request("GET", "/both"));
  REQUIRE(both);
  CHECK(both->status == 301);
  CHECK(both->header("location") == "/redirect-wins");
  const auto miss = round_trip(edge.port(), request("GET", "/nothing-here"));
  REQUIRE(miss);
  CHECK(miss->status == 404);
  CHECK(miss->body == "404 page not found\n");
  CHECK(miss->header("content-type") == "text/plain; charset=utf-8");
  const auto miss_head = round_trip(edge.port(), request("HEAD", "/nothing-here"), true);
  REQUIRE(miss_head);
  CHECK(miss_head->status == 404);
}

TEST_CASE("edge: --debug-headers names the version and the rule", "[edge][threads]") {
  Served plain;
  const auto quiet = round_trip(plain.port(), request("GET", "/old"));
  REQUIRE(quiet);
  CHECK_FALSE(quiet->has_header("x-flecto-version"));
  CHECK_FALSE(quiet->has_header("x-flecto-rule"));

  EdgeOptions options;
  options.debug_headers = true;
  Served debug(options);
  const auto r = round_trip(debug.port(), request("GET", "/blog/1"));
  REQUIRE(r);
  CHECK(r->header("x-flecto-version") == "7");
  CHECK(r->header("x-flecto-rule") == "redirect REGEX ^/blog/(.*)$");
  CHECK_FALSE(quiet->has_header("x-flecto-target"));
  const auto p = round_trip(debug.port(), request("GET", "/robots.txt"));
  REQUIRE(p);
  CHECK(p->header("x-flecto-rule") == "page BASIC /robots.txt");
  const auto miss = round_trip(debug.port(), request("GET", "/none"));
  REQUIRE(miss);
  CHECK(miss->header("x-flecto-version") == "7");
  CHECK_FALSE(miss->has_header("x-flecto-rule"));
}

TEST_CASE("edge: keep-alive, pipelining and HTTP/1.0", "[edge][threads]") {
  Served edge;
  RawClient client(edge.port());
  REQUIRE(client.send(request("GET", "/old") + request("GET", "/robots.txt") +
                      request("GET", "/none")));
  const auto a = client.read_response();
  const auto b = client.read_response();
  const auto c = client.read_response();
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(a->status == 301);
  CHECK(b->status == 200);
  CHECK(c->status == 404);

  RawClient old_client(edge.port());
  REQUIRE(old_client.send("GET /old HTTP/1.0\r\n\r\n"));
  const auto r = old_client.read_response();
  REQUIRE(r);
  CHECK(r->status == 301);
  CHECK(r->header("connection") == "close");
  CHECK(old_client.closed_by_server());

  RawClient keep(edge.port());
  REQUIRE(keep.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const auto k1 = keep.read_response();
  REQUIRE(k1);
  CHECK(k1->header("connection") == "keep-alive");
  REQUIRE(keep.send("GET /robots.txt HTTP/1.0\r\n\r\n"));
  const auto k2 = keep.read_response();
  REQUIRE(k2);
  CHECK(k2->status == 200);

  RawClient closing(edge.port());
  REQUIRE(closing.send(request("GET", "/old", "example.com", "Connection: close\r\n")));
  const auto c1 = closing.read_response();
  REQUIRE(c1);
  CHECK(c1->header("connection") == "close");
  CHECK(closing.closed_by_server());
}

TEST_CASE("edge: requests are counted in the metrics", "[edge][threads]") {
  Served edge;
  REQUIRE(round_trip(edge.port(), request("GET", "/old")));
  REQUIRE(round_trip(edge.port(), request("GET", "/robots.txt")));
  REQUIRE(round_trip(edge.port(), request("GET", "/none")));
  REQUIRE(round_trip(edge.port(), "BROKEN\r\n\r\n"));
  const std::string text = render_metrics(
      {{"test-ns", "test-project", edge.served.current(), SyncState{}, edge.counters.counts()}},
      edge.unrouted.counts(), ReloadState{});
  const std::string project = "namespace=\"test-ns\",project=\"test-project\",";
  CHECK_THAT(text, Catch::Contains("flecto_agent_requests_total{" + project + "outcome=\"redirect\",code=\"301\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("flecto_agent_requests_total{" + project + "outcome=\"page\",code=\"200\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("flecto_agent_requests_total{" + project + "outcome=\"miss\",code=\"404\"} 1\n"));
  // A request that cannot be parsed has no project.
  CHECK_THAT(text, Catch::Contains(
                       "flecto_agent_requests_total{namespace=\"\",project=\"\",outcome=\"rejected\",code=\"400\"} 1\n"));
  CHECK_THAT(text, !Catch::Contains(project + "outcome=\"rejected\",code=\"400\"} 1"));
  CHECK_THAT(text, Catch::Contains("flecto_agent_request_duration_seconds_count 4\n"));
}

TEST_CASE("edge: start fails clearly on a port in use, stop is idempotent", "[edge][threads]") {
  RunningEdge first;
  ServedProjects projects;
  RequestCounters counters;
  EdgeServer second(projects, counters);
  CHECK_THROWS_WITH(second.start(ListenAddress{"127.0.0.1", first.port()}),
                    Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first.port())) &&
                        Catch::Contains("in use"));
  EdgeServer unresolvable(projects, counters);
  CHECK_THROWS_AS(unresolvable.start(ListenAddress{"no-such-host.invalid", 0}), std::runtime_error);
  first.server.stop();
  first.server.stop();
  CHECK(first.server.port() == 0);
}

TEST_CASE("edge: a head that arrives a byte at a time is answered", "[edge][threads]") {
  Served edge;
  RawClient client(edge.port());
  const std::string bytes = request("GET", "/old", "example.com", "X-Slow: 1\r\n") +
                            "\r\n" + request("GET", "/robots.txt");  // an extra empty line between
  for (const char c : bytes) {
    REQUIRE(client.send(std::string(1, c)));
    std::this_thread::yield();
  }
  const auto first = client.read_response();
  const auto second = client.read_response();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->status == 301);
  CHECK(second->status == 200);
}

TEST_CASE("edge: a burst of connections is spread over the event loops", "[edge][threads]") {
  EdgeOptions options;
  options.threads = 4;
  Served edge(options);
  REQUIRE(edge.server.loop_count() == 4);
  // Opened at once and kept open, as a burst of clients would.
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 128; ++i) clients.push_back(std::make_unique<RawClient>(edge.port()));
  const auto total = [&] {
    std::uint64_t sum = 0;
    for (const auto n : edge.server.accepted_per_loop()) sum += n;
    return sum;
  };
  for (int i = 0; i < 2000 && total() < clients.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(total() == clients.size());
  // The kernel hashes each connection to one loop's socket: every loop gets
  // some (all 128 missing one of 4 loops has a chance of about 4 * 0.75^128).
  const auto per_loop = edge.server.accepted_per_loop();
  INFO("accepted per loop: " << per_loop[0] << " " << per_loop[1] << " " << per_loop[2] << " "
                             << per_loop[3]);
  for (const auto n : per_loop) CHECK(n > 0);
  // Every connection is served by the loop that took it.
  for (auto& client : clients) REQUIRE(client->send(request("GET", "/old")));
  for (auto& client : clients) {
    const auto r = client->read_response();
    REQUIRE(r);
    CHECK(r->status == 301);
  }
}
