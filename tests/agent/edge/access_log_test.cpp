#include <catch2/catch.hpp>

#include <fstream>

#include "agent/edge/access_log.hpp"
#include "agent/edge/request.hpp"
#include "support/agent_process.hpp"
#include "support/temp_dir.hpp"
#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

TEST_CASE("access log: one line per answer, which a client cannot break or forge", "[edge]") {
  const EdgeParse parse =
      parse_request_head("GET /old?utm=%22x%22 HTTP/1.1\r\nHost: example.com\r\n\r\n", {});
  REQUIRE(parse.state == EdgeParse::kComplete);
  CHECK(access_log_line("203.0.113.9", &parse.request, 301, std::chrono::microseconds(12)) ==
        "access 203.0.113.9 \"GET /old?utm=%22x%22 HTTP/1.1\" 301 host=\"example.com\" 0.012ms");

  // Raw bytes a client may send in the target: quotes, backslashes,
  // non-ASCII; each is escaped, so the line stays one line of printable ASCII.
  const EdgeParse raw = parse_request_head("GET /a\"b\\c\xC3\xA9 HTTP/1.0\r\n\r\n", {});
  REQUIRE(raw.state == EdgeParse::kComplete);
  const std::string line = access_log_line("[2001:db8::1]", &raw.request, 404, std::chrono::nanoseconds(0));
  CHECK(line == "access [2001:db8::1] \"GET /a%22b%5Cc%C3%A9 HTTP/1.0\" 404 host=\"\" 0.000ms");

  CHECK(access_log_line("-", nullptr, 400, std::chrono::nanoseconds(1000)) ==
        "access - \"-\" 400 host=\"\" 0.001ms");
}

TEST_CASE("access log: the peer of a loopback connection", "[edge]") {
  RunningEdge edge;
  RawClient client(edge.port());
  // The client's own socket: its peer is the edge's loopback address.
  CHECK(peer_address(client.fd()) == "127.0.0.1");
  CHECK(peer_address(-1) == "-");
}

// The real binary: off by default (no line), on with --access-log.
TEST_CASE("access log: the daemon logs each answer with --access-log, and nothing without", "[edge]") {
  TempDir dir;
  const std::string rules = dir.path() + "/rules.json";
  std::ofstream(rules) << R"({"version": 2, "redirects": [{"type": "BASIC", "source": "/a", )"
                          R"("target": "/b", "status": "FOUND"}], "pages": []})";
  for (const bool on : {false, true}) {
    AgentProcess agent;
    std::vector<std::string> args = {"--rules", rules};
    if (on) args.push_back("--access-log");
    agent.start(args, "info");
    REQUIRE(agent.wait_ready());
    CHECK(agent.location_of("/a") == "/b");
    if (on) {
      CHECK(eventually([&] { return agent.log().find("access 127.0.0.1 \"GET /a HTTP/1.1\" 302 host=\"") !=
                                    std::string::npos; }));
    } else {
      CHECK(agent.log().find("access ") == std::string::npos);
    }
  }
}
