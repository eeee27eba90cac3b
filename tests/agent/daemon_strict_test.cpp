// on_invalid_rules = "reject" with a rules file: an error at start (exit 2),
// and on SIGHUP the table served keeps serving.

#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>

#include "agent/exit_status.hpp"
#include "agent/rules/rules_json.hpp"
#include "support/agent_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using Agent = flecto::test::AgentProcess;
using flecto::test::TempDir;
using namespace std::chrono_literals;

namespace {

flecto::Rules rules_v(std::int64_t version, bool with_invalid_rule) {
  flecto::Rules rules;
  rules.version = version;
  rules.redirects = {{"BASIC", "/old", "/v" + std::to_string(version), "MOVED_PERMANENT"}};
  if (with_invalid_rule) rules.redirects.push_back({"BASIC", "/broken", "/x", "GONE"});
  return rules;
}

}  // namespace

TEST_CASE("daemon strict: a rules file with an invalid rule is an error at start under reject", "[threads]") {
  TempDir dir;
  const std::string rules_path = dir / "rules.json";
  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(1, true));
  Agent agent;
  agent.start({"--rules", rules_path, "--on-invalid-rules", "reject"});
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitUsage);
  CHECK(agent.log().find(rules_path + ": version 1 rejected (on_invalid_rules = reject), serving nothing: 1 invalid "
                                      "rule; first: redirect #2 \"/broken\": unknown status \"GONE\"") !=
        std::string::npos);
}

TEST_CASE("daemon strict: on SIGHUP, a rules file with an invalid rule keeps the table served", "[threads]") {
  TempDir dir;
  const std::string rules_path = dir / "rules.json";
  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(1, false));
  Agent agent;
  agent.start({"--rules", rules_path, "--on-invalid-rules", "reject"});
  REQUIRE(agent.wait_ready());
  CHECK(agent.location_of("/old") == "/v1");
  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(2, true));
  agent.process->send_signal(SIGHUP);
  CHECK(agent.wait_until([&] { return agent.log().find("version 2 rejected") != std::string::npos; }));
  CHECK(agent.log().find("serving version 1 as before") != std::string::npos);
  CHECK(agent.location_of("/old") == "/v1");
  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(3, false));
  agent.process->send_signal(SIGHUP);
  CHECK(agent.wait_until([&] { return agent.location_of("/old") == "/v3"; }));
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}
