// End-to-end tests of several projects on one flecto-agent process
// (host_configs): each host answered by its own project, and live reloads
// under a continuous load.

#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "agent/exit_status.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/agent_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using Agent = flecto::test::AgentProcess;
using flecto::test::TempDir;
using namespace std::chrono_literals;

namespace {

// A project's rules: /old goes to /from-<name>.
flecto::Rules rules_of(const std::string& name, std::int64_t version = 1) {
  flecto::Rules rules;
  rules.version = version;
  rules.redirects = {{"BASIC", "/old", "/from-" + name, "MOVED_PERMANENT"}};
  rules.pages = {{"BASIC", "/robots.txt", "project " + name + "\n", "TEXT_PLAIN"}};
  return rules;
}

std::unique_ptr<flecto::standin::StandinManager> manager_of(const std::string& name, const std::string& token,
                                                            std::int64_t version = 1, int port = 0) {
  flecto::standin::Options options;
  options.namespace_code = "ns";
  options.project_code = name;
  options.token = token;
  options.port = port;
  return std::make_unique<flecto::standin::StandinManager>(options, rules_of(name, version));
}

// One [[host_configs]] entry.
std::string entry(const flecto::standin::StandinManager& manager, const std::string& hosts,
                  const std::string& token_file) {
  std::ostringstream text;
  text << "\n[[host_configs]]\nhosts = [" << hosts << "]\nproject_code = \"" << manager.options().project_code
       << "\"\nmanager_url = \"" << manager.url() << "\"\ntoken_file = \"" << token_file << "\"\n";
  return text.str();
}

std::string root(const TempDir& dir) {
  return "namespace_code = \"ns\"\nagent_name = \"edge-projects\"\nstate_dir = \"" + dir.path() +
         "\"\ninterval_check = \"1h\"\n";
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The Location the edge answers GET /old with for `host`; "404", "503"... for
// other statuses, "(no answer)" without one.
std::string location_for(httplib::Client& client, const std::string& host) {
  auto r = client.Get("/old", {{"Host", host}});
  if (!r) return "(no answer)";
  if (r->status != 301) return std::to_string(r->status);
  return r->get_header_value("Location");
}

}  // namespace

TEST_CASE("projects: reloads under load add, remove, re-token and re-host projects without a wrong answer",
          "[threads]") {
  TempDir dir;
  const std::string token_a = dir / "token-a", token_b = dir / "token-b", config = dir / "agent.toml";
  write(token_a, "token-a\n");
  write(token_b, "token-b\n");
  auto a = manager_of("a", "token-a");
  auto b = manager_of("b", "token-b");
  auto c = manager_of("c", "token-a");
  auto d = manager_of("d", "token-a");
  write(config, root(dir) + entry(*a, "\"a.example\"", token_a) + entry(*b, "\"b.example\"", token_b) +
                    entry(*c, "\"c.example\"", token_a));

  Agent agent;
  agent.start({"--config", config});
  REQUIRE(agent.wait_ready());
  httplib::Client edge("127.0.0.1", agent.edge_port);
  CHECK(location_for(edge, "a.example") == "/from-a");
  CHECK(location_for(edge, "b.example") == "/from-b");
  CHECK(location_for(edge, "c.example") == "/from-c");
  CHECK(location_for(edge, "d.example") == "404");

  // Requests run all along, on two hosts that stay configured: each must
  // get its own project's answer, every time.
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, wrong{0};
  std::string first_wrong;
  std::thread load([&] {
    httplib::Client client("127.0.0.1", agent.edge_port);
    while (!stop) {
      const std::string got_a = location_for(client, "a.example");
      const std::string got_b = location_for(client, "b.example");
      const bool b_ok = got_b == "/from-b" || got_b == "/from-b2";
      if (got_a != "/from-a" || !b_ok) {
        if (wrong++ == 0) first_wrong = got_a + " " + got_b;
      }
      answered += 2;
    }
  });
  const auto answered_after = [&](int before) {
    return agent.wait_until([&] { return answered > before + 20; });
  };

  // 1. Add d, remove c, add a host to a.
  write(config, root(dir) + entry(*a, "\"a.example\", \"*.a.example\"", token_a) +
                    entry(*b, "\"b.example\"", token_b) + entry(*d, "\"d.example\"", token_a));
  agent.process->send_signal(SIGHUP);
  REQUIRE(agent.wait_until([&] { return location_for(edge, "d.example") == "/from-d"; }));
  CHECK(location_for(edge, "c.example") == "404");
  CHECK(location_for(edge, "www.a.example") == "/from-a");
  CHECK(answered_after(answered));

  // 2. An invalid configuration: refused, everything keeps serving.
  write(config, root(dir) + entry(*a, "\"a.example\"", token_a) + "\n[[host_configs]]\nhosts = [\"b.example\"]\n");
  agent.process->send_signal(SIGHUP);
  REQUIRE(agent.wait_until([&] { return agent.metric("flecto_agent_config_reloads_total{result=\"refused\"}") == 1; }));
  CHECK(location_for(edge, "d.example") == "/from-d");
  CHECK(location_for(edge, "www.a.example") == "/from-a");
  CHECK(answered_after(answered));

  // 3. b's manager now wants a new token, and has a new version.
  const int b_port = b->port();
  b->stop();
  b = manager_of("b", "token-b2", 2, b_port);
  b->set_rules(rules_of("b2", 2));
  write(token_b, "token-b2\n");
  write(config, root(dir) + entry(*a, "\"a.example\", \"*.a.example\"", token_a) +
                    entry(*b, "\"b.example\"", token_b) + entry(*d, "\"d.example\"", token_a));
  agent.process->send_signal(SIGHUP);
  REQUIRE(agent.wait_until([&] { return location_for(edge, "b.example") == "/from-b2"; }));
  CHECK(answered_after(answered));

  stop = true;
  load.join();
  INFO("first wrong answer (a.example, b.example): " << first_wrong);
  CHECK(wrong == 0);
  CHECK(answered > 60);
  CHECK(agent.metric("flecto_agent_config_reloads_total{result=\"applied\"}") == 2);
  CHECK(agent.metric("flecto_agent_config_reloads_total{result=\"refused\"}") == 1);
  const std::string log = agent.log();
  CHECK_THAT(log, Catch::Contains("1 project(s) added (ns/d), 1 removed (ns/c)"));
  CHECK_THAT(log, Catch::Contains("with new sync settings (ns/b)"));
  CHECK_THAT(log, !Catch::Contains("token-b2"));

  const int agent_exit = agent.terminate(20s);
  INFO("exit status " << agent_exit << ", the agent's log:\n" << agent.log());
  CHECK(agent_exit == flecto::kExitOk);
}

namespace {

// Two managers, three projects: ns/p1 (the default) and ns2/p2 on the
// first, ns/p3 on the second with its own token.
struct ThreeProjects {
  TempDir dir;
  std::string token1 = dir / "token1", token3 = dir / "token3", config = dir / "agent.toml";
  std::unique_ptr<flecto::standin::StandinManager> m1, m2;

  ThreeProjects() {
    write(token1, "token-1\n");
    write(token3, "token-3\n");
    flecto::standin::Options first;
    first.namespace_code = "ns";
    first.project_code = "p1";
    first.token = "token-1";
    m1 = std::make_unique<flecto::standin::StandinManager>(first, rules_of("p1", 4));
    m1->add_project("ns2", "p2", rules_of("p2", 7));
    flecto::standin::Options second;
    second.namespace_code = "ns";
    second.project_code = "p3";
    second.token = "token-3";
    m2 = std::make_unique<flecto::standin::StandinManager>(second, rules_of("p3", 9));
  }

  // The configuration, with or without the root project as the default.
  void write_config(bool with_default) {
    std::ostringstream text;
    text << "manager_url = \"" << m1->url() << "\"\nnamespace_code = \"ns\"\ntoken_file = \"" << token1
         << "\"\nagent_name = \"edge-three\"\nstate_dir = \"" << dir.path() << "\"\ninterval_check = \"1h\"\n";
    if (with_default) text << "project_code = \"p1\"\n";
    text << "\n[[host_configs]]\nhosts = [\"one.example\", \"*.example.org\"]\nproject_code = \"p1\"\n"
         << "\n[[host_configs]]\nhosts = [\"two.example\", \"*.deep.example.org\"]\nproject_code = \"p2\"\n"
         << "namespace_code = \"ns2\"\n"
         << "\n[[host_configs]]\nhosts = [\"three.example\", \"[::1]\"]\nproject_code = \"p3\"\n"
         << "manager_url = \"" << m2->url() << "\"\ntoken_file = \"" << token3 << "\"\n";
    write(config, text.str());
  }
};

std::string page_for(httplib::Client& client, const std::string& host) {
  auto r = client.Get("/robots.txt", {{"Host", host}});
  return r ? (r->status == 200 ? r->body : std::to_string(r->status)) : "(no answer)";
}

}  // namespace

TEST_CASE("projects: three projects on two managers, each host its own project's rules", "[threads]") {
  ThreeProjects setup;
  setup.write_config(true);
  Agent agent;
  agent.start({"--config", setup.config, "--debug-headers"});
  REQUIRE(agent.wait_ready());
  httplib::Client edge("127.0.0.1", agent.edge_port);
  CHECK(location_for(edge, "one.example") == "/from-p1");
  CHECK(page_for(edge, "one.example") == "project p1\n");
  CHECK(location_for(edge, "two.example") == "/from-p2");
  CHECK(page_for(edge, "two.example") == "project p2\n");
  CHECK(location_for(edge, "three.example") == "/from-p3");
  CHECK(page_for(edge, "three.example:8080") == "project p3\n");
  // Host case and a trailing dot; IPv6 with a port.
  CHECK(location_for(edge, "ONE.Example.") == "/from-p1");
  CHECK(location_for(edge, "[::1]:8080") == "/from-p3");
  // Wildcards: one label or more; the longer wildcard wins.
  CHECK(location_for(edge, "www.example.org") == "/from-p1");
  CHECK(location_for(edge, "a.b.example.org") == "/from-p1");
  CHECK(location_for(edge, "x.deep.example.org") == "/from-p2");
  CHECK(location_for(edge, "deep.example.org") == "/from-p1");
  // Unlisted: the default project.
  CHECK(location_for(edge, "elsewhere.example") == "/from-p1");
  auto debug = edge.Get("/old", {{"Host", "two.example"}});
  REQUIRE(debug);
  CHECK(debug->get_header_value("X-Flecto-Project") == "ns2/p2");
  CHECK(debug->get_header_value("X-Flecto-Version") == "7");

  // Each project reported to its own manager, with the host's one name.
  REQUIRE(setup.m1->wait_for_reports(1, 20s));
  REQUIRE(setup.m2->wait_for_reports(1, 20s));
  CHECK(agent.wait_until([&] { return setup.m1->reports("ns2", "p2").size() == 1; }));
  CHECK(setup.m1->reports("ns", "p1").front().version == 4);
  CHECK(setup.m1->reports("ns2", "p2").front().name == "edge-three");
  CHECK(setup.m2->reports().front().version == 9);

  // /status and /metrics show every project; /match routes like the edge.
  auto status = agent.admin_get("/status");
  REQUIRE(status);
  CHECK_THAT(status->body, Catch::Contains("\"label\":\"ns/p1\",\"hosts\":[\"one.example\",\"*.example.org\"],"
                                           "\"default\":true"));
  CHECK_THAT(status->body, Catch::Contains("\"label\":\"ns2/p2\"") && Catch::Contains("\"label\":\"ns/p3\""));
  CHECK_THAT(status->body, !Catch::Contains("token-1") && !Catch::Contains("token-3"));
  CHECK(agent.metric("flecto_agent_loaded_version{namespace=\"ns2\",project=\"p2\"}") == 7);
  CHECK(agent.metric("flecto_agent_projects") == 3);
  auto match = agent.admin_get("/match?host=x.deep.example.org&uri=%2Fold");
  REQUIRE(match);
  CHECK_THAT(match->body, Catch::StartsWith("{\"project\":\"ns2/p2\",") && Catch::Contains("/from-p2"));

  // p2's token is refused, p3's manager goes down: each keeps serving its
  // table and says why; p1 is unaffected and picks up a new version.
  setup.m1->set_project_fault("ns2", "p2", flecto::standin::Endpoint::kVersion,
                              flecto::standin::Fault::http_error(401, "token expired"));
  setup.m2->stop();
  setup.m1->set_rules(rules_of("p1-new", 5));
  agent.process->send_signal(SIGHUP);
  REQUIRE(agent.wait_until([&] { return location_for(edge, "one.example") == "/from-p1-new"; }));
  REQUIRE(agent.wait_until([&] {
    auto s = agent.admin_get("/status");
    return s && s->body.find("401") != std::string::npos &&
           agent.metric("flecto_agent_sync_consecutive_failures{namespace=\"ns\",project=\"p3\"}") >= 1;
  }));
  CHECK(location_for(edge, "two.example") == "/from-p2");
  CHECK(location_for(edge, "three.example") == "/from-p3");
  CHECK_THAT(agent.log(), Catch::Contains("[ns2/p2] sync: version check failed"));
  CHECK_THAT(agent.log(), Catch::Contains("[ns/p3] sync: version check failed"));
  const int agent_exit = agent.terminate(20s);
  INFO("exit status " << agent_exit << ", the agent's log:\n" << agent.log());
  REQUIRE(agent_exit == flecto::kExitOk);

  // Both managers down: a restart serves every project from its snapshot.
  setup.m1->stop();
  Agent again;
  again.start({"--config", setup.config});
  REQUIRE(again.wait_ready());
  httplib::Client edge2("127.0.0.1", again.edge_port);
  CHECK(location_for(edge2, "one.example") == "/from-p1-new");
  CHECK(location_for(edge2, "two.example") == "/from-p2");
  CHECK(location_for(edge2, "three.example") == "/from-p3");
  const int again_exit = again.terminate(20s);
  INFO("exit status " << again_exit << ", the agent's log:\n" << again.log());
  CHECK(again_exit == flecto::kExitOk);
}

TEST_CASE("projects: without a default project an unlisted host is a miss", "[threads]") {
  ThreeProjects setup;
  setup.write_config(false);
  Agent agent;
  agent.start({"--config", setup.config});
  REQUIRE(agent.wait_ready());
  httplib::Client edge("127.0.0.1", agent.edge_port);
  CHECK(location_for(edge, "two.example") == "/from-p2");
  CHECK(location_for(edge, "elsewhere.example") == "404");
  CHECK(location_for(edge, "example.org") == "404");  // a wildcard never matches its base
  CHECK(agent.metric("flecto_agent_requests_total{namespace=\"\",project=\"\",outcome=\"miss\",code=\"404\"}") == 2);
  const int agent_exit = agent.terminate(20s);
  INFO("exit status " << agent_exit << ", the agent's log:\n" << agent.log());
  CHECK(agent_exit == flecto::kExitOk);
}

TEST_CASE("projects: --sync-once syncs every project, match --config answers from their snapshots", "[threads]") {
  ThreeProjects setup;
  setup.write_config(true);
  const std::string agent_binary = FLECTO_AGENT_BINARY;
  auto once = flecto::test::run_program(agent_binary, {"--sync-once", "--config", setup.config});
  CHECK(once.status == flecto::kExitOk);
  CHECK_THAT(once.out, Catch::Contains("ns/p1: version 4: ") && Catch::Contains("ns2/p2: version 7: ") &&
                                   Catch::Contains("ns/p3: version 9: "));
  auto match = flecto::test::run_program(
      agent_binary, {"match", "--config", setup.config, "--host", "x.deep.example.org", "--uri", "/old"});
  CHECK(match.status == flecto::kExitOk);
  CHECK_THAT(match.out, Catch::StartsWith("{\"project\":\"ns2/p2\",") && Catch::Contains("/from-p2"));

  // One project's manager refuses the token: the worst status wins, and the
  // line names the project.
  setup.m1->set_project_fault("ns2", "p2", flecto::standin::Endpoint::kVersion,
                              flecto::standin::Fault::http_error(401, "token expired"));
  auto failing = flecto::test::run_program(agent_binary, {"--sync-once", "--config", setup.config, "--force"});
  CHECK(failing.status == flecto::kExitHttpError);
  CHECK_THAT(failing.err, Catch::Contains("flecto-agent: ns2/p2: "));
  CHECK_THAT(failing.out, Catch::Contains("ns/p1: version 4: "));
}
