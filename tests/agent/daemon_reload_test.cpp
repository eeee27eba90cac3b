// End-to-end tests of a configuration reload (SIGHUP) of the flecto-agent
// binary: a valid configuration is applied without a restart, an invalid
// one is refused while the old one keeps serving.

#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>

#include "agent/exit_status.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/agent_process.hpp"
#include "support/temp_dir.hpp"

using Agent = flecto::test::AgentProcess;
using flecto::test::TempDir;
using namespace std::chrono_literals;

namespace {

flecto::Rules rules_v(std::int64_t version, const std::string& target) {
  flecto::Rules rules;
  rules.version = version;
  rules.redirects = {{"BASIC", "/old", target, "MOVED_PERMANENT"}};
  return rules;
}

std::unique_ptr<flecto::standin::StandinManager> manager_with(const std::string& token, flecto::Rules rules,
                                                              int port = 0) {
  flecto::standin::Options options;
  options.token = token;
  options.port = port;
  return std::make_unique<flecto::standin::StandinManager>(options, std::move(rules));
}

void write_config(const std::string& path, const std::string& manager_url, const std::string& token_file,
                  const std::string& state_dir, const std::string& extra = "") {
  std::ofstream(path) << "manager_url = \"" << manager_url << "\"\n"
                      << "namespace_code = \"test-ns\"\nproject_code = \"test-project\"\n"
                      << "token_file = \"" << token_file << "\"\n"
                      << "agent_name = \"edge-reload\"\nstate_dir = \"" << state_dir << "\"\n"
                      << "interval_check = \"1h\"\n"
                      << extra;
}

}  // namespace

TEST_CASE("reload: a new token is read on SIGHUP, an invalid configuration is refused and counted",
          "[threads]") {
  TempDir dir;
  const std::string token_file = dir / "token", config = dir / "agent.toml";
  std::ofstream(token_file) << "old-token\n";
  auto manager = manager_with("old-token", rules_v(1, "/v1"));
  write_config(config, manager->url(), token_file, dir.path());

  Agent agent;
  agent.start({"--config", config});
  REQUIRE(agent.wait_ready());
  CHECK(agent.location_of("/old") == "/v1");

  // The manager now takes only a new token, and has a new version.
  const int port = manager->port();
  manager->stop();
  manager = manager_with("new-token", rules_v(2, "/v2"), port);

  // An invalid configuration first: refused, the old one keeps serving.
  std::ofstream(config, std::ios::app) << "interval_check = \"soon\"\n";
  agent.process->send_signal(SIGHUP);
  REQUIRE(agent.wait_until([&] { return agent.metric("flecto_agent_config_reloads_total{result=\"refused\"}") == 1; }));
  CHECK(agent.metric("flecto_agent_config_last_reload_successful") == 0);
  CHECK_THAT(agent.log(), Catch::Contains("reload: the configuration is invalid; keeping the one running"));
  CHECK_THAT(agent.log(), Catch::Contains("interval_check"));
  CHECK(agent.location_of("/old") == "/v1");
  auto status = agent.admin_get("/status");
  REQUIRE(status);
  CHECK_THAT(status->body, Catch::Contains("\"last_ok\":false"));

  // Then a valid one with the new token, and a setting only a restart can
  // change.
  write_config(config, manager->url(), token_file, dir.path(), "debug_headers = true\n");
  std::ofstream(token_file) << "new-token\n";
  agent.process->send_signal(SIGHUP);
  REQUIRE(agent.wait_until([&] { return agent.location_of("/old") == "/v2"; }));
  CHECK(agent.metric("flecto_agent_config_reloads_total{result=\"applied\"}") == 1);
  CHECK(agent.metric("flecto_agent_config_last_reload_successful") == 1);
  CHECK_THAT(agent.log(), Catch::Contains("debug_headers: false -> true needs a restart; keeping false"));
  CHECK_FALSE(agent.edge_get("/old")->has_header("X-Flecto-Version"));
  CHECK_THAT(agent.log(), Catch::Contains("1 with new sync settings"));
  // The tokens are in no log line and not in /status.
  CHECK_THAT(agent.log(), !Catch::Contains("old-token") && !Catch::Contains("new-token"));
  status = agent.admin_get("/status");
  REQUIRE(status);
  CHECK_THAT(status->body, !Catch::Contains("new-token"));
  REQUIRE(manager->wait_for_reports(1, 20s));
  CHECK(manager->reports().back().version == 2);

  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}
