// End-to-end tests of the flecto-agent binary as a service: started as a
// process, against a stand-in manager or a rules file, driven by signals.

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <httplib.h>

#include "agent/exit_status.hpp"
#include "agent/rules/rules_json.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/agent_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using flecto::test::ChildProcess;
using flecto::test::free_loopback_port;
using Agent = flecto::test::AgentProcess;
using flecto::test::TempDir;
using namespace std::chrono_literals;

namespace {

flecto::Rules rules_v(std::int64_t version, const std::string& target) {
  flecto::Rules rules;
  rules.version = version;
  rules.redirects = {{"BASIC", "/old", target, "MOVED_PERMANENT"},
                     {"REGEX", "^/blog/([0-9]+)$", "/posts/$1", "FOUND"},
                     {"BASIC", "/broken", "/x", "GONE"}};
  rules.pages = {{"BASIC", "/robots.txt", "User-agent: *\n", "TEXT_PLAIN"}};
  return rules;
}

}  // namespace

TEST_CASE("daemon: serves a rules file, SIGHUP reads it again, SIGTERM stops cleanly", "[threads]") {
  TempDir dir;
  std::string rules_path = dir / "rules.json";
  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(1, "/new"));

  Agent agent;
  agent.start({"--rules", rules_path, "--edge-threads", "3"});
  REQUIRE(agent.wait_ready());
  // The start line counts the skipped rule once, and the edge runs 3 loops.
  const std::string log = agent.log();
  const auto serving = log.find("serving " + rules_path);
  REQUIRE(serving != std::string::npos);
  const std::string serving_line = log.substr(serving, log.find('\n', serving) - serving);
  CHECK(serving_line.find("1 skipped") != std::string::npos);
  CHECK(serving_line.find("skipped") == serving_line.rfind("skipped"));
  CHECK(log.find("with 3 event loops") != std::string::npos);
  auto r = agent.edge_get("/old");
  REQUIRE(r);
  CHECK(r->status == 301);
  CHECK(r->get_header_value("Location") == "/new");
  CHECK(agent.location_of("/blog/42") == "/posts/42");
  auto page = agent.edge_get("/robots.txt");
  REQUIRE(page);
  CHECK(page->body == "User-agent: *\n");
  CHECK(agent.edge_get("/nothing")->status == 404);
  // The rule with an unknown status is skipped and named in the log.
  CHECK(agent.log().find("unknown status \"GONE\"") != std::string::npos);

  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(2, "/newer"));
  agent.process->send_signal(SIGHUP);
  CHECK(agent.wait_until([&] { return agent.location_of("/old") == "/newer"; }));

  // A broken file on SIGHUP keeps the table being served.
  std::ofstream(rules_path) << "{\"redirects\": [";
  agent.process->send_signal(SIGHUP);
  CHECK(agent.wait_until([&] { return agent.log().find("cannot serve the rules file") != std::string::npos; }));
  CHECK(agent.location_of("/old") == "/newer");

  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}

TEST_CASE("daemon: syncs from the manager, reports, serves the snapshot when the manager is down", "[threads]") {
  TempDir state;
  std::string token_path = state / "token";
  std::ofstream(token_path) << "test-token\n";
  auto manager = std::make_unique<flecto::standin::StandinManager>(flecto::standin::Options{},
                                                                    rules_v(3, "/v3"));
  std::vector<std::string> args = {"--manager-url", manager->url(), "--namespace-code", "test-ns",
                                   "--project-code", "test-project", "--token-file", token_path,
                                   "--agent-name", "edge-test", "--state-dir", state.path(),
                                   "--interval-check", "1h"};
  {
    Agent agent;
    CHECK(agent.admin_get("/healthz").error() != httplib::Error::Success);  // not started yet
    agent.start(args);
    REQUIRE(agent.wait_ready());
    CHECK(agent.location_of("/old") == "/v3");
    REQUIRE(manager->wait_for_reports(1, 20s));
    auto report = manager->reports().front();
    CHECK(report.name == "edge-test");
    CHECK(report.version == 3);
    CHECK(report.status == "error");  // one rule skipped
    CHECK(report.error.find("GONE") != std::string::npos);
    CHECK(report.load_duration > 0);
    CHECK(fs::exists(state / "snapshot.json"));

    // A new version, fetched on SIGHUP.
    manager->set_rules(rules_v(4, "/v4"));
    agent.process->send_signal(SIGHUP);
    CHECK(agent.wait_until([&] { return agent.location_of("/old") == "/v4"; }));
    auto status = agent.admin_get("/status");
    REQUIRE(status);
    CHECK(status->body.find("\"version\":4") != std::string::npos);
    CHECK(status->body.find("test-token") == std::string::npos);
    // The token is in no log line either.
    CHECK(agent.log().find("test-token") == std::string::npos);

    agent.process->send_signal(SIGTERM);
    CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
  }

  // The manager is gone: the next start serves the snapshot at once.
  manager->stop();
  manager.reset();
  Agent agent;
  agent.start(args);
  REQUIRE(agent.wait_ready());
  CHECK(agent.location_of("/old") == "/v4");
  agent.process->send_signal(SIGINT);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}

TEST_CASE("daemon: an invalid configuration is refused before anything starts", "[threads]") {
  auto result = flecto::test::run_program(
      FLECTO_AGENT_BINARY, {"--agent-name", "web-1.example.com", "--interval-check", "5min"});
  CHECK(result.status == flecto::kExitUsage);
  CHECK(result.err.find("agent_name") != std::string::npos);
  CHECK(result.err.find("interval_check") != std::string::npos);
  CHECK(result.err.find("manager_url") != std::string::npos);
}

TEST_CASE("daemon: a port in use is a clear error and exit status 1", "[threads]") {
  TempDir dir;
  std::string rules_path = dir / "rules.json";
  std::ofstream(rules_path) << flecto::rules_to_json(rules_v(1, "/new"));
  Agent first;
  first.start({"--rules", rules_path});
  REQUIRE(first.wait_ready());
  Agent second;
  second.edge_port = first.edge_port;
  second.start({"--rules", rules_path});
  CHECK(second.process->wait_for_exit(20s) == flecto::kExitCannotListen);
  CHECK(second.log().find(std::to_string(first.edge_port)) != std::string::npos);
}

TEST_CASE("sync-once: exit statuses a script can rely on", "[threads]") {
  TempDir state;
  flecto::standin::StandinManager manager({}, rules_v(5, "/v5"));
  auto run = [&](std::vector<std::string> extra, const std::string& url) {
    std::vector<std::string> args = {"--sync-once", "--manager-url", url, "--namespace-code", "test-ns",
                                     "--project-code", "test-project", "--token-jwt", "test-token",
                                     "--agent-name", "edge-test", "--state-dir", state.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return flecto::test::run_program(FLECTO_AGENT_BINARY, args);
  };

  auto ok = run({}, manager.url());
  CHECK(ok.status == flecto::kExitOk);
  CHECK(ok.out.find("5") != std::string::npos);
  CHECK(fs::exists(state / "snapshot.json"));
  CHECK(run({"--quiet"}, manager.url()).out.empty());

  CHECK(run({}, "http://127.0.0.1:" + std::to_string(free_loopback_port())).status == flecto::kExitUnreachable);
  manager.set_forbidden(true);
  CHECK(run({"--force"}, manager.url()).status == flecto::kExitHttpError);
  manager.set_forbidden(false);
  flecto::standin::Fault malformed;
  malformed.body = flecto::standin::Fault::Body::kMalformedJson;
  manager.set_fault(flecto::standin::Endpoint::kVersion, malformed);
  CHECK(run({"--force"}, manager.url()).status == flecto::kExitInvalidData);
  CHECK(flecto::test::run_program(FLECTO_AGENT_BINARY, {"--sync-once", "--force"}).status == flecto::kExitUsage);
  CHECK(flecto::test::run_program(FLECTO_AGENT_BINARY, {"--force"}).status == flecto::kExitUsage);
}
