// The edge matches what the reference edge matches (shared/matching.md,
// "Inputs"), end to end: raw request bytes over a loopback socket, status
// and Location checked byte for byte.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;
using namespace std::string_literals;

namespace {

Rules input_rules() {
  Rules rules;
  rules.version = 3;
  rules.redirects = {
      redirect("BASIC", "/old", "/new"),
      redirect("BASIC", "/", "/home"),
      redirect("BASIC", "/?from=root", "/home-with-query"),
      redirect("BASIC_HOST", "abs.example/host-old", "/host-new"),
      redirect("BASIC_HOST", "abs.example:8080/port", "/port-new"),
      redirect("REGEX", "^/rx/(.*)$", "/to/$1"),
      redirect("REGEX_HOST", "^abs\\.example/h/(.*)$", "https://abs.example/landing/$1"),
      redirect("BASIC", "/docs/relative", "sibling?from=relative"),
      // As a user copies it from a browser: validly encoded.
      redirect("BASIC", "/caf%C3%A9", "/cafe-utf8"),
      redirect("BASIC", "/caf%E9", "/cafe-latin1"),
      redirect("BASIC", "/caf\xC3\xA9", "/raw-utf8-never-matched"),
      redirect("REGEX", "^/cap/(.*)$", "/dest/$1"),
      redirect("BASIC", "/go/%41", "/escape-kept"),
      redirect("BASIC", "/go/A%22", "/escape-decoded"),
      redirect("BASIC", "/a%2Fb", "/slash-kept"),
      redirect("BASIC", "/lone?", "/lone-question-mark"),
      redirect("BASIC", "/q%22?a=\"b\"&c=\xC3\xA9", "/query-kept"),
      redirect("REGEX", "^/search\\?q=(.*)$", "/find/$1"),
  };
  rules.pages = {
      page("BASIC", "/robots.txt", "User-agent: *\n"),
      page("BASIC", "/caf%C3%A9.txt", "caf\xC3\xA9\n"),
  };
  return rules;
}

struct Served : RunningEdge {
  Served() { served.swap_in(build_table(input_rules())); }
};

// The status and Location of `target` asked with `host`.
std::pair<int, std::string> answer(std::uint16_t port, std::string_view target,
                                   std::string_view host = "example.com") {
  const auto r = round_trip(port, request("GET", target, host));
  REQUIRE(r);
  return {r->status, r->header("location")};
}

}  // namespace

TEST_CASE("edge target: the absolute form is matched on its authority, the Host header ignored",
          "[edge][request_target][threads]") {
  Served edge;
  const std::uint16_t port = edge.port();
  // BASIC, on the target's path.
  CHECK(answer(port, "http://example.com/old", "ignored.example") == std::pair{301, "/new"s});
  CHECK(answer(port, "HTTPS://example.com/old", "ignored.example") == std::pair{301, "/new"s});
  // BASIC_HOST: the authority is the host, the port included.
  CHECK(answer(port, "http://abs.example/host-old", "example.com") == std::pair{301, "/host-new"s});
  CHECK(answer(port, "/host-old", "example.com").first == 404);
  CHECK(answer(port, "http://example.com/host-old", "abs.example").first == 404);
  CHECK(answer(port, "Http://abs.example:8080/port", "example.com") == std::pair{301, "/port-new"s});
  // REGEX and REGEX_HOST.
  CHECK(answer(port, "http://example.com/rx/a/b?c=d", "x.example") == std::pair{301, "/to/a/b?c=d"s});
  CHECK(answer(port, "https://abs.example/h/x", "example.com") ==
        std::pair{301, "https://abs.example/landing/x"s});
  // A relative target is resolved against the target's path, not its authority.
  CHECK(answer(port, "http://example.com/docs/relative", "x.example") ==
        std::pair{301, "/docs/sibling?from=relative"s});
  // An empty path is "/".
  CHECK(answer(port, "http://example.com", "x.example") == std::pair{301, "/home"s});
  CHECK(answer(port, "http://example.com?from=root", "x.example") ==
        std::pair{301, "/home-with-query"s});
  // Pages too.
  const auto robots = round_trip(port, request("GET", "http://example.com/robots.txt", "x.example"));
  REQUIRE(robots);
  CHECK(robots->status == 200);
  CHECK(robots->body == "User-agent: *\n");
  // HTTP/1.0 without a Host header.
  const auto old = round_trip(port, "GET http://abs.example/host-old HTTP/1.0\r\n\r\n");
  REQUIRE(old);
  CHECK(old->status == 301);
  CHECK(old->header("location") == "/host-new");
}

TEST_CASE("edge target: the absolute form picks the project by its authority",
          "[edge][request_target][threads]") {
  auto make = [](std::string label) {
    return std::make_shared<ServedProject>(ProjectIdentity{label, "", "ns", label, "", ""});
  };
  const auto first = make("first");
  const auto second = make("second");
  Rules one;
  one.redirects = {redirect("BASIC", "/old", "/from-first")};
  Rules two;
  two.redirects = {redirect("BASIC", "/old", "/from-second")};
  first->served.swap_in(build_table(one));
  second->served.swap_in(build_table(two));
  ServedProjects projects;
  std::vector<RoutedProject> routed;
  routed.push_back({first, {"first.example"}, false});
  routed.push_back({second, {"second.example"}, false});
  projects.swap_in(std::make_shared<const ProjectRouting>(
      HostRouter({{"first.example", 0}, {"second.example", 1}}), std::move(routed)));
  RequestCounters unrouted;
  EdgeServer server(projects, unrouted, EdgeOptions{});
  server.start(ListenAddress{"127.0.0.1", 0});
  const std::uint16_t port = server.port();

  CHECK(answer(port, "/old", "first.example") == std::pair{301, "/from-first"s});
  CHECK(answer(port, "http://second.example/old", "first.example") == std::pair{301, "/from-second"s});
  CHECK(answer(port, "http://Second.Example:8080/old", "first.example") ==
        std::pair{301, "/from-second"s});
  CHECK(answer(port, "http://other.example/old", "first.example").first == 404);
  CHECK(second->counters.counts().answered(RequestOutcome::kRedirect, 301) == 2);
  server.stop();
}

TEST_CASE("edge target: a path not validly encoded is matched as Go re-encodes it",
          "[edge][request_target][threads]") {
  Served edge;
  const std::uint16_t port = edge.port();
  // Raw UTF-8 matches the rule a browser's copy gives, not the raw bytes.
  CHECK(answer(port, "/caf\xC3\xA9") == std::pair{301, "/cafe-utf8"s});
  CHECK(answer(port, "/caf%C3%A9") == std::pair{301, "/cafe-utf8"s});
  CHECK(answer(port, "/caf%c3%a9").first == 404);  // a valid path keeps its lower case
  CHECK(answer(port, "/caf\xE9") == std::pair{301, "/cafe-latin1"s});
  // A capture holding '\\' and '#' goes out escaped, never as a '/' or a fragment.
  CHECK(answer(port, "/cap/a\\b#c") == std::pair{301, "/dest/a%5Cb%23c"s});
  CHECK(answer(port, "/cap/caf\xC3\xA9/\xE2\x82\xAC") == std::pair{301, "/dest/caf%C3%A9/%E2%82%AC"s});
  CHECK(answer(port, "/cap/a\"b<c>{d}|e^f`g") ==
        std::pair{301, "/dest/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g"s});
  // Validly encoded characters stay, until one byte forces a re-encoding.
  CHECK(answer(port, "/cap/!'()*[]") == std::pair{301, "/dest/!'()*[]"s});
  CHECK(answer(port, "/cap/!'()*[]\\") == std::pair{301, "/dest/%21%27%28%29%2A%5B%5D%5C"s});
  // %41 is kept in a valid path, decoded when the path is rebuilt.
  CHECK(answer(port, "/go/%41") == std::pair{301, "/escape-kept"s});
  CHECK(answer(port, "/go/%41\"") == std::pair{301, "/escape-decoded"s});
  // %2F stays %2F.
  CHECK(answer(port, "/a%2Fb") == std::pair{301, "/slash-kept"s});
  CHECK(answer(port, "/rx/foo%2Fbar") == std::pair{301, "/to/foo%2Fbar"s});
  // A lone '?' is kept, and the query byte for byte.
  CHECK(answer(port, "/lone?") == std::pair{301, "/lone-question-mark"s});
  CHECK(answer(port, "/lone").first == 404);
  CHECK(answer(port, "/q\"?a=\"b\"&c=\xC3\xA9") == std::pair{301, "/query-kept"s});
  // Raw Latin-1 in the query stays raw (Go keeps it), and the regex still
  // reads it as Go's regexp does (matcher/go_reading.hpp).
  CHECK(answer(port, "/search?q=caf\xE9") == std::pair{301, "/find/caf%e9"s});
  // Pages are matched the same way.
  const auto page = round_trip(port, request("GET", "/caf\xC3\xA9.txt"));
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body == "caf\xC3\xA9\n");
}

TEST_CASE("edge target: invalid escapes and targets that are no URI get 400 and a close",
          "[edge][request_target][threads]") {
  Served edge;
  const std::vector<std::string> targets = {
      "/old%zz", "/old%", "/old%4", "/caf\xC3\xA9%zz", "/old?x=%zz", "/old?x=100%",
      "http://example.com/old%", "http://user@example.com/old", "http:///old", "http:/old",
      "ftp://example.com/old", "example.com:443", "old", "http://exa\"mple.com/old"};
  for (const std::string& target : targets) {
    INFO(target);
    RawClient client(edge.port());
    REQUIRE(client.send(request("GET", target)));
    const auto r = client.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->header("connection") == "close");
    CHECK_FALSE(r->has_header("location"));
    CHECK(client.closed_by_server());
  }
  // Counted with the other refusals, in no project.
  CHECK(edge.unrouted.counts().answered(RequestOutcome::kRejected, 400) == targets.size());
  CHECK(edge.counters.counts().answered(RequestOutcome::kRedirect, 301) == 0);
  // HEAD gets the same status, without a body.
  const auto head = round_trip(edge.port(), request("HEAD", "/old%zz"), true);
  REQUIRE(head);
  CHECK(head->status == 400);
}

TEST_CASE("edge target: OPTIONS * is matched as the uri *", "[edge][request_target][threads]") {
  Served edge;
  const auto r = round_trip(edge.port(), request("OPTIONS", "*"));
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(edge.counters.counts().answered(RequestOutcome::kMiss, 404) == 1);
}
