// End-to-end tests of the relay (relay_listen) with real flecto-agent
// processes and the stand-in manager: a chain of two relays, where only the
// first one pages through the manager and every agent's report reaches it;
// the manager down, when a token accepted before stays accepted and a report
// gets no invented acknowledgement; a revoked token, which the relay refuses
// although it holds the newer version.

#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "agent/exit_status.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/agent_process.hpp"
#include "support/temp_dir.hpp"

using Agent = flecto::test::AgentProcess;
using flecto::test::TempDir;
using Endpoint = flecto::standin::Endpoint;
using namespace std::chrono_literals;

namespace {

// Every agent pages with this limit, and a version has kRedirects redirects
// (not a multiple of it) and one page, so that a walk takes several pages.
constexpr int kPageSize = 2;
constexpr int kRedirects = 5;
constexpr std::chrono::milliseconds kAuthTtl = 1s;  // relay_auth_ttl = "1s"

// The requests of one walk of a listing of `items` by pages of `page_size`:
// full pages, then the last, short or empty one (a full page has a Next).
std::uint64_t pages_of_one_walk(int items, int page_size) { return static_cast<std::uint64_t>(items / page_size + 1); }

// Version `version`: /old goes to /from-v<version>, four more redirects, one page.
flecto::Rules rules_v(std::int64_t version) {
  const std::string v = std::to_string(version);
  flecto::Rules rules;
  rules.version = version;
  rules.redirects = {{"BASIC", "/old", "/from-v" + v, "MOVED_PERMANENT"}};
  for (int i = 1; i < kRedirects; ++i) {
    rules.redirects.push_back({"BASIC", "/old-" + std::to_string(i), "/new-" + v, "MOVED_PERMANENT"});
  }
  rules.pages = {{"BASIC", "/robots.txt", "version " + v + "\n", "TEXT_PLAIN"}};
  return rules;
}

std::unique_ptr<flecto::standin::StandinManager> manager_of(const std::string& token) {
  flecto::standin::Options options;
  options.namespace_code = "ns";
  options.project_code = "site";
  options.token = token;
  return std::make_unique<flecto::standin::StandinManager>(options, rules_v(1));
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// One flecto-agent of the fleet, syncing ns/site from `upstream` (the
// manager or a relay) with its own token file, configuration and state
// directory under <dir>/<name>; a relay itself when made with relay = true.
struct FleetAgent {
  std::string name, upstream, home, token_file, config, state_dir;
  int relay_port = 0;  // 0: not a relay
  std::unique_ptr<Agent> agent;

  FleetAgent(const TempDir& dir, std::string agent_name, std::string upstream_url, const std::string& token,
             bool relay)
      : name(std::move(agent_name)), upstream(std::move(upstream_url)), home(dir / name),
        token_file(home + "/token"), config(home + "/agent.toml"), state_dir(home + "/state"),
        relay_port(relay ? flecto::test::free_loopback_port() : 0) {
    std::filesystem::create_directories(state_dir);
    write(token_file, token + "\n");
    std::ostringstream text;
    text << "manager_url = \"" << upstream << "\"\nnamespace_code = \"ns\"\nproject_code = \"site\"\n"
         << "token_file = \"" << token_file << "\"\nagent_name = \"" << name << "\"\nstate_dir = \"" << state_dir
         << "\"\ninterval_check = \"1h\"\npage_size = " << kPageSize << "\n";
    if (relay) {
      text << "relay_listen = \"127.0.0.1:" << relay_port << "\"\nrelay_auth_ttl = \"" << kAuthTtl.count()
           << "ms\"\n";
    }
    write(config, text.str());
  }

  // start(), then waits until it relays version 1.
  bool start_relaying() {
    return start() && agent->wait_until([this] { return relay_version() == 1; });
  }
  // What a downstream agent puts in its manager_url.
  std::string relay_url() const { return "http://127.0.0.1:" + std::to_string(relay_port); }

  // A new process (new edge and admin ports); whether it became ready.
  bool start() {
    agent = std::make_unique<Agent>();
    agent->start({"--config", config});
    return agent->wait_ready();
  }
  void sighup() const { agent->process->send_signal(SIGHUP); }
  std::string location() const { return agent->location_of("/old"); }
  double metric(const std::string& series) const { return agent->metric(series); }
  double relay_version() const { return metric("flecto_agent_relay_version{namespace=\"ns\",project=\"site\"}"); }
  double syncs(const std::string& result) const {
    return metric("flecto_agent_syncs_total{namespace=\"ns\",project=\"site\",result=\"" + result + "\"}");
  }
  std::string status() const {
    auto r = agent->admin_get("/status");
    return r ? r->body : std::string("(no answer)");
  }
  // SIGTERM; the exit status, with the log when it is not a clean exit.
  int stop() {
    const int exit_status = agent->terminate(20s);
    INFO(name << ": exit status " << exit_status << ", its log:\n" << agent->log());
    CHECK(exit_status == flecto::kExitOk);
    return exit_status;
  }
};

double relay_requests(const FleetAgent& relay, const std::string& endpoint, const std::string& result) {
  return relay.metric("flecto_agent_relay_requests_total{endpoint=\"" + endpoint + "\",result=\"" + result + "\"}");
}
double relay_auth_checks(const FleetAgent& relay, const std::string& result) {
  return relay.metric("flecto_agent_relay_auth_checks_total{result=\"" + result + "\"}");
}
double relay_passed_through(const FleetAgent& relay, const std::string& endpoint, const std::string& result) {
  return relay.metric("flecto_agent_relay_passed_through_total{endpoint=\"" + endpoint + "\",result=\"" + result +
                      "\"}");
}

// Whether the manager accepted a report of `version` from the agent `name`.
bool reported(const flecto::standin::StandinManager& manager, const std::string& name, std::int64_t version) {
  for (const auto& report : manager.reports()) {
    if (report.name == name && report.version == version) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("relay: a chain of two relays serves a new version to the last agent, the manager walked once",
          "[threads]") {
  TempDir dir;
  auto manager = manager_of("token-t");
  FleetAgent a(dir, "relay-a", manager->url(), "token-t", true);
  REQUIRE(a.start_relaying());
  FleetAgent b(dir, "relay-b", a.relay_url(), "token-t", true);
  REQUIRE(b.start_relaying());
  FleetAgent c(dir, "edge-c", b.relay_url(), "token-t", false);
  REQUIRE(c.start());
  CHECK(a.location() == "/from-v1");
  CHECK(b.location() == "/from-v1");
  CHECK(c.location() == "/from-v1");
  // C's report went through B and A: the manager's agent list shows all three.
  CHECK(flecto::test::eventually([&] {
    return reported(*manager, "relay-a", 1) && reported(*manager, "relay-b", 1) && reported(*manager, "edge-c", 1);
  }));

  // Version 2, one hop at a time.
  const std::uint64_t redirects_before = manager->request_count(Endpoint::kRedirects);
  const std::uint64_t pages_before = manager->request_count(Endpoint::kPages);
  manager->set_rules(rules_v(2));
  a.sighup();
  REQUIRE(a.agent->wait_until([&] { return a.relay_version() == 2 && a.location() == "/from-v2"; }));
  b.sighup();
  REQUIRE(b.agent->wait_until([&] { return b.relay_version() == 2 && b.location() == "/from-v2"; }));
  c.sighup();
  REQUIRE(c.agent->wait_until([&] { return c.location() == "/from-v2"; }));
  CHECK(c.agent->location_of("/old-3") == "/new-2");

  // The manager was walked by A alone: one walk of each listing for version
  // 2 (B and C, had they reached it, would have made it three walks).
  const std::uint64_t one_walk = pages_of_one_walk(kRedirects, kPageSize);
  REQUIRE(one_walk == 3);
  CHECK(manager->request_count(Endpoint::kRedirects) - redirects_before == one_walk);
  CHECK(manager->request_count(Endpoint::kPages) - pages_before == pages_of_one_walk(1, kPageSize));
  // ... and B walked A, C walked B, for each version.
  CHECK(relay_requests(a, "redirects", "ok") >= static_cast<double>(2 * one_walk));
  CHECK(relay_requests(b, "redirects", "ok") >= static_cast<double>(2 * one_walk));
  CHECK(flecto::test::eventually([&] {
    return reported(*manager, "relay-a", 2) && reported(*manager, "relay-b", 2) && reported(*manager, "edge-c", 2);
  }));
  // B's and C's reports of both versions passed A, C's passed B.
  CHECK(flecto::test::eventually([&] {
    return relay_passed_through(a, "agents", "ok") >= 4 && relay_passed_through(b, "agents", "ok") >= 2;
  }));
  CHECK_THAT(a.status(), Catch::Contains("\"relay\":") && !Catch::Contains("token-t"));

  c.stop();
  b.stop();
  a.stop();
}

TEST_CASE("relay: with the manager down, a fresh agent gets the held version with a token accepted before",
          "[threads]") {
  TempDir dir;
  auto manager = manager_of("token-t");
  FleetAgent a(dir, "relay-a", manager->url(), "token-t", true);
  REQUIRE(a.start_relaying());
  FleetAgent c(dir, "edge-c", a.relay_url(), "token-t", false);
  REQUIRE(c.start());
  CHECK(a.location() == "/from-v1");
  CHECK(c.location() == "/from-v1");
  REQUIRE(flecto::test::eventually([&] { return reported(*manager, "edge-c", 1); }));
  const std::size_t reports_before = manager->reports().size();

  // The manager goes down; C starts again without its snapshot.
  manager->stop();
  c.stop();
  std::filesystem::remove_all(c.state_dir);
  std::filesystem::create_directories(c.state_dir);
  // Past relay_auth_ttl, A's cached verdict on the token has expired: A must
  // ask the manager again, which does not answer (set-up, not an assertion).
  std::this_thread::sleep_for(kAuthTtl + 500ms);
  const double down_before = relay_auth_checks(a, "upstream_down");
  REQUIRE(c.start());
  CHECK(c.location() == "/from-v1");
  CHECK(c.agent->location_of("/old-4") == "/new-1");
  CHECK(relay_auth_checks(a, "upstream_down") > down_before);  // decided offline, not from the cache
  CHECK(a.location() == "/from-v1");

  // A token never checked is not let in while the manager cannot be asked.
  httplib::Client relay_client("127.0.0.1", a.relay_port);
  auto never_seen =
      relay_client.Get("/api/namespace/ns/project/site/version", {{"Authorization", "Bearer never-seen"}});
  REQUIRE(never_seen);
  CHECK(never_seen->status == 503);

  // C's report could not reach the manager: A answered 502, not 200.
  CHECK(c.agent->wait_until([&] { return relay_passed_through(a, "agents", "upstream_unreachable") >= 1; }));
  CHECK(c.agent->wait_until([&] { return c.agent->log().find("report of version 1 failed") != std::string::npos; }));
  CHECK_THAT(c.agent->log(), Catch::Contains("HTTP 502"));
  CHECK(relay_passed_through(a, "agents", "ok") == 1);  // C's first report only, with the manager up
  CHECK(manager->reports().size() == reports_before);

  c.stop();
  a.stop();
}

TEST_CASE("relay: a revoked token gets no newer version through the relay, the new token does", "[threads]") {
  TempDir dir;
  auto manager = manager_of("old-token");
  FleetAgent a(dir, "relay-a", manager->url(), "old-token", true);
  REQUIRE(a.start_relaying());
  FleetAgent c(dir, "edge-c", a.relay_url(), "old-token", false);
  REQUIRE(c.start());
  CHECK(c.location() == "/from-v1");

  // The old token is revoked and version 2 published; the relay gets the
  // new token and version 2, C keeps the old token.
  manager->set_token("new-token");
  manager->set_rules(rules_v(2));
  write(a.token_file, "new-token\n");
  a.sighup();
  REQUIRE(a.agent->wait_until([&] { return a.relay_version() == 2 && a.location() == "/from-v2"; }));
  // Past relay_auth_ttl, A's verdict of C's last check has expired (set-up,
  // not an assertion): A asks the manager about the old token again.
  std::this_thread::sleep_for(kAuthTtl + 500ms);
  const double errors_before = c.syncs("error");
  const double refused_before = relay_requests(a, "version", "refused");
  c.sighup();
  REQUIRE(c.agent->wait_until([&] { return c.syncs("error") > errors_before; }));
  CHECK(c.location() == "/from-v1");
  CHECK(c.agent->location_of("/old-1") == "/new-1");
  const std::string status = c.status();
  CHECK_THAT(status, Catch::Contains("\"last_result\":\"error\"") && Catch::Contains("HTTP 401"));
  CHECK_THAT(status, !Catch::Contains("old-token"));
  CHECK(relay_requests(a, "version", "refused") > refused_before);
  CHECK(relay_auth_checks(a, "refused") >= 1);
  // C's walk of version 1 only.
  CHECK(relay_requests(a, "redirects", "ok") == static_cast<double>(pages_of_one_walk(kRedirects, kPageSize)));

  // C is given the new token: a reload reads it, and C reaches version 2.
  write(c.token_file, "new-token\n");
  c.sighup();
  REQUIRE(c.agent->wait_until([&] { return c.location() == "/from-v2"; }));
  CHECK(flecto::test::eventually([&] { return reported(*manager, "edge-c", 2); }));

  c.stop();
  a.stop();
}
