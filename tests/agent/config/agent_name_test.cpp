#include <catch2/catch.hpp>

#include "agent/config/agent_name.hpp"
#include "agent/config/loader.hpp"

using flecto::agent_name_from_host;
using flecto::is_valid_agent_name;
using flecto::resolve_agent_name;

TEST_CASE("agent name: only letters, digits, '_' and '-'") {
  CHECK(is_valid_agent_name("edge-eu-1"));
  CHECK(is_valid_agent_name("EDGE_2"));
  CHECK_FALSE(is_valid_agent_name(""));
  CHECK_FALSE(is_valid_agent_name("web-1.example.com"));
  CHECK_FALSE(is_valid_agent_name("a b"));
  CHECK_FALSE(is_valid_agent_name("caf\xC3\xA9"));
}

TEST_CASE("agent name: a host name becomes a valid name") {
  CHECK(agent_name_from_host("web-1.example.com") == "web-1-example-com");
  CHECK(agent_name_from_host("caf\xC3\xA9") == "caf--");
  CHECK(agent_name_from_host("") == "flecto-agent");
  CHECK(is_valid_agent_name(flecto::default_agent_name()));
}

TEST_CASE("agent name: configured names are kept or refused with the rule") {
  CHECK(resolve_agent_name("edge-eu-1") == "edge-eu-1");
  CHECK(resolve_agent_name("") == flecto::default_agent_name());
  CHECK_THROWS_WITH(resolve_agent_name("edge.eu"),
                    "agent_name \"edge.eu\": only letters, digits, '_' and '-' are allowed");
  CHECK_THROWS_WITH(resolve_agent_name("a\nb"), Catch::Contains("\"a\\x0ab\""));
}

TEST_CASE("agent name: over 100 characters is refused at start, by name") {
  // The manager's column holds 100: a longer name made every report fail
  // with 500 under strict MySQL, so the agent never looked alive.
  const std::string longest(flecto::kMaxAgentNameLength, 'a');
  CHECK(flecto::agent_name_problem(longest).empty());
  CHECK(flecto::resolve_agent_name(longest) == longest);
  const std::string too_long(flecto::kMaxAgentNameLength + 1, 'a');
  CHECK(flecto::agent_name_problem(too_long) == "agent_name: 101 characters; the manager keeps at most 100");
  CHECK_THROWS_WITH(flecto::resolve_agent_name(too_long),
                    "agent_name: 101 characters; the manager keeps at most 100");

  flecto::ConfigSources sources;
  sources.flags = {{"rules", "/dev/null"}, {"agent_name", too_long}};
  try {
    flecto::load_config(sources, flecto::RunMode::kDaemon);
    FAIL("a 101-character agent_name was accepted");
  } catch (const flecto::ConfigError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0] == "agent_name: 101 characters; the manager keeps at most 100");
  }
}
