// The relay listener in-process, against the stand-in manager as its
// upstream: what downstream agents (our ManagerClient, and a walk written
// as the Traefik middleware walks) read from it, who may read, what is
// passed through, and what a swap in the middle of a walk does.

#include <catch2/catch.hpp>

#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "agent/manager/client.hpp"
#include "agent/relay/relay_server.hpp"
#include "agent/sync/fetch_rules.hpp"
#include "tests/agent/manager/test_certificate.hpp"
#include "tests/agent/relay/relay_test_rules.hpp"
#include "tests/standin_manager/standin_manager.hpp"
#include "support/temp_dir.hpp"

namespace flecto {
namespace {

using standin::Endpoint;
using standin::StandinManager;

// The relay's view of its one project: the stand-in as upstream.
Config upstream_config(const StandinManager& manager) {
  Config config;
  config.manager_url = manager.url();
  config.namespace_code = manager.options().namespace_code;
  config.project_code = manager.options().project_code;
  config.token = manager.options().token;
  config.connect_timeout = std::chrono::seconds(10);
  config.read_timeout = std::chrono::seconds(30);
  return config;
}

// A relay serving `rules` for the stand-in's default project.
struct Relay {
  explicit Relay(StandinManager& upstream, RelayServerOptions options = {},
                 std::chrono::milliseconds grace = RelayStore::kDefaultGrace)
      : manager(upstream), store(grace), server(store, nullptr, counters, std::move(options)) {
    store.offer(upstream_config(manager), manager.rules());
    server.start(ListenAddress{"127.0.0.1", 0});
  }
  std::string url() const { return (server.tls() ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(server.port()); }
  // A downstream agent's client of the relay.
  ManagerSettings downstream(const std::string& token = "test-token") const {
    ManagerSettings settings;
    settings.url = url();
    settings.namespace_code = manager.options().namespace_code;
    settings.project_code = manager.options().project_code;
    settings.token = token;
    settings.connect_timeout = std::chrono::seconds(10);
    settings.read_timeout = std::chrono::seconds(30);
    return settings;
  }
  void publish(const Rules& rules) {
    manager.set_rules(rules);
    store.offer(upstream_config(manager), rules);
  }

  StandinManager& manager;
  RelayStore store;
  RelayCounters counters;
  RelayServer server;
};

std::string api(const StandinManager& manager) {
  return "/api/namespace/" + manager.options().namespace_code + "/project/" + manager.options().project_code;
}

httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

int status_of(ManagerClient& client) {
  try {
    client.get_version();
    return 200;
  } catch (const ManagerError& e) {
    UNSCOPED_INFO(e.what());
    return e.http_status();
  }
}

// The Traefik middleware's walk: offset paging at limit=100, the version
// read as an integer, the capitalized keys Items and Total.
Rules middleware_walk(httplib::Client& client, const std::string& base, const std::string& token) {
  Rules rules;
  auto version = client.Get((base + "/version").c_str(), bearer(token));
  REQUIRE(version);
  REQUIRE(version->status == 200);
  rules.version = std::stoll(version->body);
  simdjson::dom::parser parser;
  for (const char* listing : {"redirects", "pages"}) {
    for (std::int64_t offset = 0;;) {
      auto page = client.Get((base + "/" + listing + "?limit=100&offset=" + std::to_string(offset)).c_str(),
                             bearer(token));
      REQUIRE(page);
      REQUIRE(page->status == 200);
      simdjson::dom::element root = parser.parse(page->body);
      simdjson::dom::array items = root["Items"].get_array();
      const std::int64_t total = root["Total"].get_int64();
      for (simdjson::dom::element item : items) {
        auto text = [&](const char* key) { return std::string(std::string_view(item[key].get_string())); };
        if (std::string_view(listing) == "redirects") {
          rules.redirects.push_back({text("type"), text("source"), text("target"), text("status")});
        } else {
          rules.pages.push_back({text("type"), text("path"), text("content"), text("contentType")});
        }
      }
      offset += static_cast<std::int64_t>(items.size());
      if (items.size() == 0 || offset >= total) break;
    }
  }
  return rules;
}

}  // namespace

TEST_CASE("relay server: our client, by cursor and by offset, reads exactly the upstream's rules",
          "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(4, 1234, 7));
  for (bool cursors : {true, false}) {
    INFO((cursors ? "cursors" : "offset paging"));
    RelayServerOptions options;
    options.send_next = cursors;
    Relay relay(manager, options);
    ManagerClient client(relay.downstream());
    for (int limit : {1, 100, 500}) {
      if (limit == 1 && !cursors) continue;  // 1234 pages of 1 once is enough
      const FetchedRules fetched = fetch_rules(client, client.get_version(), limit, {});
      CHECK(fetched.rules == manager.rules());
      CHECK(fetched.attempts == 1);
    }
  }
}

TEST_CASE("relay server: the items are byte for byte the upstream's, an invalid rule included",
          "[relay][relay_server]") {
  standin::Options plain;
  plain.gzip = false;
  StandinManager manager(plain, test::relay_rules(4, 30, 3));
  Relay relay(manager);
  httplib::Client upstream(manager.url()), downstream(relay.url());
  for (const char* query : {"/redirects?limit=0", "/redirects?limit=7&offset=3", "/pages", "/redirects?limit=30"}) {
    INFO(query);
    auto want = upstream.Get((api(manager) + query).c_str(), bearer("test-token"));
    auto got = downstream.Get((api(manager) + query).c_str(), bearer("test-token"));
    REQUIRE(want);
    REQUIRE(got);
    CHECK(got->status == 200);
    // The Next cursors are each one's own; the rest is identical.
    CHECK(got->body.substr(0, got->body.find(",\"Next\"")) == want->body.substr(0, want->body.find(",\"Next\"")));
  }
  CHECK(manager.rules().redirects[1].status == "GONE");
  auto version = downstream.Get((api(manager) + "/version").c_str(), bearer("test-token"));
  REQUIRE(version);
  CHECK(version->body == "4\n");
}

TEST_CASE("relay server: a Traefik-middleware-style walk reads the upstream's rules", "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(9, 250, 120));
  Relay relay(manager);
  httplib::Client client(relay.url());
  CHECK(middleware_walk(client, "/any/base" + api(manager), "test-token") == manager.rules());
  CHECK(middleware_walk(client, api(manager), "test-token") == manager.rules());
  CHECK(relay.counters.requests(RelayEndpoint::kRedirects, RelayResult::kOk) == 6);
}

TEST_CASE("relay server: a swap in the middle of a cursor walk ends on one version", "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(1, 100, 2));
  const Rules first = manager.rules(), second = test::relay_rules(2, 130, 2);
  std::atomic<int> listings{0};
  std::atomic<Relay*> relay_ptr{nullptr};
  RelayServerOptions options;
  options.before_listing = [&](RelayListingKind) {
    if (++listings == 3) relay_ptr.load()->publish(second);  // at the third page of redirects
  };
  Relay relay(manager, options);
  relay_ptr = &relay;
  ManagerClient client(relay.downstream());
  // One walk: the listing as the client fetches it, without the version re-read.
  CHECK(client.list_redirects(10) == first.redirects);
  CHECK(client.list_pages(10) == second.pages);
  CHECK(client.get_version() == 2);
  // The whole fetch then starts over on the new version.
  listings = 100;
  CHECK(fetch_rules(client, 2, 10, {}).rules == second);
}

TEST_CASE("relay server: a swap in the middle of an offset walk is seen by the version re-read",
          "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(1, 100, 2));
  const Rules second = test::relay_rules(2, 100, 2);
  std::atomic<int> listings{0};
  std::atomic<Relay*> relay_ptr{nullptr};
  RelayServerOptions options;
  options.send_next = false;
  options.before_listing = [&](RelayListingKind) {
    if (++listings == 3) relay_ptr.load()->publish(second);
  };
  Relay relay(manager, options);
  relay_ptr = &relay;
  ManagerClient client(relay.downstream());
  const FetchedRules fetched = fetch_rules(client, client.get_version(), 10, {});
  CHECK(fetched.rules == second);
  CHECK(fetched.attempts == 2);
}

TEST_CASE("relay server: a cursor of a version gone makes our client's fetch start over and succeed",
          "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(1, 100, 2));
  const Rules second = test::relay_rules(2, 140, 2);
  std::atomic<int> listings{0};
  std::atomic<Relay*> relay_ptr{nullptr};
  RelayServerOptions options;
  options.before_listing = [&](RelayListingKind) {
    if (++listings == 3) relay_ptr.load()->publish(second);
  };
  Relay relay(manager, options, std::chrono::milliseconds(0));  // no grace: the old version is gone at once
  relay_ptr = &relay;
  ManagerClient client(relay.downstream());
  const FetchedRules fetched = fetch_rules(client, client.get_version(), 10, {});
  CHECK(fetched.rules == second);
  CHECK(fetched.attempts == 2);
  CHECK(relay.counters.requests(RelayEndpoint::kRedirects, RelayResult::kCursorGone) == 1);
}

TEST_CASE("relay server: tokens are checked with the upstream, a revoked one refused, the upstream down",
          "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(3, 5));
  RelayServerOptions options;
  options.auth_ttl = std::chrono::milliseconds(0);  // ask the upstream every time: the test has no clock
  Relay relay(manager, options);

  ManagerClient good(relay.downstream("test-token"));
  ManagerClient wrong(relay.downstream("wrong-token"));
  CHECK(status_of(good) == 200);
  CHECK(status_of(wrong) == 401);
  ManagerSettings none = relay.downstream("");
  none.header_authorization_name = "X-Other";
  ManagerClient no_token(none);
  CHECK(status_of(no_token) == 401);
  CHECK_THROWS_AS(wrong.list_redirects(10), ManagerError);

  manager.set_token("new-token");  // the old token revoked
  CHECK(status_of(good) == 401);
  ManagerClient renewed(relay.downstream("new-token"));
  CHECK(status_of(renewed) == 200);
  CHECK(relay.counters.auth_checks(RelayAuthOutcome::kRefused) >= 2);

  manager.stop();  // the upstream is down: accepted-before stays accepted, never-seen refused
  CHECK(status_of(renewed) == 200);
  CHECK(renewed.list_redirects(2) == manager.rules().redirects);
  ManagerClient never_seen(relay.downstream("never-seen"));
  CHECK(status_of(never_seen) == 503);
  CHECK(status_of(good) == 401);  // refused at its last check
  CHECK(relay.counters.auth_checks(RelayAuthOutcome::kUpstreamDown) >= 3);
}

TEST_CASE("relay server: a cached success is not asked again within the ttl", "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(3, 5));
  Relay relay(manager);  // ttl 60 s
  ManagerClient client(relay.downstream());
  const std::uint64_t before = manager.request_count(Endpoint::kVersion);
  for (int i = 0; i < 5; ++i) CHECK(client.get_version() == 3);
  CHECK(manager.request_count(Endpoint::kVersion) == before + 1);
  CHECK(relay.counters.auth_checks(RelayAuthOutcome::kCached) == 4);
}

TEST_CASE("relay server: reports and heartbeats reach the upstream with the downstream's name and token",
          "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(3, 5));
  Relay relay(manager);
  ManagerClient edge1(relay.downstream());
  edge1.report_load(LoadReport{"edge-1", 3, true, std::chrono::milliseconds(150), ""}, {});
  edge1.heartbeat("edge-1", {});
  REQUIRE(manager.reports().size() == 1);
  CHECK(manager.reports()[0].name == "edge-1");
  CHECK(manager.reports()[0].version == 3);
  CHECK(manager.reports()[0].load_duration == 150000000);
  CHECK(manager.heartbeats() == std::vector<std::string>{"edge-1"});

  // The upstream's refusals come back as they were, with their body.
  try {
    edge1.heartbeat("edge-2", {});  // never reported
    FAIL("expected 500");
  } catch (const ManagerError& e) {
    CHECK(e.http_status() == 500);
    CHECK(std::string(e.what()).find("record not found") != std::string::npos);
  }
  ManagerClient wrong(relay.downstream("wrong-token"));
  try {
    wrong.heartbeat("edge-1", {});
    FAIL("expected 401");
  } catch (const ManagerError& e) {
    CHECK(e.http_status() == 401);
  }
  CHECK(manager.heartbeats().size() == 1);
  CHECK(relay.counters.requests(RelayEndpoint::kHit, RelayResult::kOk) == 1);
  CHECK(relay.counters.requests(RelayEndpoint::kHit, RelayResult::kUpstreamError) == 2);

  manager.stop();
  httplib::Client raw(relay.url());
  auto report = raw.Post((api(manager) + "/agents").c_str(), bearer("test-token"),
                         "{\"name\":\"edge-1\",\"type\":\"default\",\"version\":3,\"status\":\"success\","
                         "\"load_duration\":1,\"error\":\"\"}",
                         "application/json");
  REQUIRE(report);
  CHECK(report->status == 502);
  CHECK(report->body.rfind("{\"message\":\"the relay could not reach its upstream manager", 0) == 0);
  CHECK(report->body.find("test-token") == std::string::npos);
  auto hit = raw.Patch((api(manager) + "/agents/edge-1/hit").c_str(), bearer("test-token"), "", "text/plain");
  REQUIRE(hit);
  CHECK(hit->status == 502);
  CHECK(relay.counters.requests(RelayEndpoint::kAgents, RelayResult::kUpstreamUnreachable) == 1);
}

TEST_CASE("relay server: unknown projects, no version yet, /health/ping, unknown paths",
          "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(3, 5));
  Relay relay(manager);
  httplib::Client client(relay.url());
  auto ping = client.Get("/health/ping");
  REQUIRE(ping);
  CHECK(ping->status == 204);
  auto based_ping = client.Get("/base/health/ping");
  REQUIRE(based_ping);
  CHECK(based_ping->status == 204);
  for (const char* path : {"/api/namespace/test-ns/project/other/version", "/api/namespace/other/project/test-project/redirects"}) {
    auto unknown = client.Get(path, bearer("test-token"));
    REQUIRE(unknown);
    CHECK(unknown->status == 500);
    CHECK(unknown->body == "{\"message\":\"record not found\"}");
  }
  auto unknown_report = client.Post("/api/namespace/x/project/y/agents", bearer("test-token"), "{}", "application/json");
  REQUIRE(unknown_report);
  CHECK(unknown_report->status == 500);
  auto nowhere = client.Get("/nowhere");
  REQUIRE(nowhere);
  CHECK(nowhere->status == 404);
  CHECK(nowhere->body == "{\"message\":\"not found\"}");

  // A project this host syncs, without a version yet: 503; one a reload
  // removed: no longer relayed, though the store still holds it.
  ProjectIdentity identity;
  identity.label = "test-ns/test-project";
  identity.manager_url = manager.url();
  identity.namespace_code = "test-ns";
  identity.project_code = "test-project";
  ServedProjects served;
  served.swap_in(single_project_routing(std::make_shared<ServedProject>(identity)));
  RelayStore store;
  RelayCounters counters;
  RelayServer server(store, &served, counters);
  server.start(ListenAddress{"127.0.0.1", 0});
  httplib::Client bare("127.0.0.1", server.port());
  auto before = bare.Get((api(manager) + "/version").c_str(), bearer("test-token"));
  REQUIRE(before);
  CHECK(before->status == 503);
  CHECK(counters.requests(RelayEndpoint::kVersion, RelayResult::kNoVersion) == 1);
  store.offer(upstream_config(manager), manager.rules());
  auto after = bare.Get((api(manager) + "/version").c_str(), bearer("test-token"));
  REQUIRE(after);
  CHECK(after->status == 200);
  identity.project_code = "another";
  served.swap_in(single_project_routing(std::make_shared<ServedProject>(identity)));
  auto removed = bare.Get((api(manager) + "/version").c_str(), bearer("test-token"));
  REQUIRE(removed);
  CHECK(removed->status == 500);
}

TEST_CASE("relay server: bad paging over HTTP is 400", "[relay][relay_server]") {
  StandinManager manager({}, test::relay_rules(3, 5));
  Relay relay(manager);
  httplib::Client client(relay.url());
  for (const char* query : {"?limit=x", "?offset=-2", "?cursor=nonsense"}) {
    auto answer = client.Get((api(manager) + "/redirects" + query).c_str(), bearer("test-token"));
    REQUIRE(answer);
    CHECK(answer->status == 400);
    CHECK(answer->body.rfind("{\"message\":", 0) == 0);
  }
  CHECK(relay.counters.requests(RelayEndpoint::kRedirects, RelayResult::kBadRequest) == 3);
}

TEST_CASE("relay server: over TLS, our client verifies it with the CA file", "[relay][relay_server][tls]") {
  test::TempDir dir;
  const std::string cert = dir / "relay.pem", key = dir / "relay-key.pem";
  test::make_self_signed(cert, key, "IP:127.0.0.1");
  StandinManager manager({}, test::relay_rules(6, 40));
  RelayServerOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  Relay relay(manager, options);
  REQUIRE(relay.url().rfind("https://", 0) == 0);
  ManagerSettings settings = relay.downstream();
  settings.ca_file = cert;
  ManagerClient client(settings);
  CHECK(fetch_rules(client, client.get_version(), 15, {}).rules == manager.rules());
  ManagerClient untrusting(relay.downstream());
  CHECK(status_of(untrusting) == 0);  // unreachable: not verified

  RelayServerOptions broken;
  broken.tls_cert_file = dir.write("not-a-cert.pem", "nonsense");
  broken.tls_key_file = key;
  RelayStore store;
  RelayCounters counters;
  RelayServer server(store, nullptr, counters, broken);
  CHECK_THROWS_AS(server.start(ListenAddress{"127.0.0.1", 0}), std::runtime_error);
}

}  // namespace flecto
