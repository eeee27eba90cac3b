// The admin listener's endpoints, through a real loopback socket.
#include <catch2/catch.hpp>

#include <httplib.h>

#include "agent/admin/server.hpp"
#include "agent/admin/match_json.hpp"
#include "tests/agent/edge/test_support.hpp"
#include "tests/agent/admin/prometheus_text_check.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

struct RunningAdmin {
  RunningAdmin()
      : project(std::make_shared<ServedProject>(identity())),
        served(project->served),
        sync(project->status),
        counters(project->counters),
        server(projects, unrouted, reloads, AdminInfo{"edge-eu-1"}) {
    projects.swap_in(single_project_routing(project));
    server.start(ListenAddress{"127.0.0.1", 0});
    client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
  }
  static ProjectIdentity identity() {
    ProjectIdentity i;
    i.label = "acme/web";
    i.manager_url = "https://user:s3cret@manager.example.com/base";
    i.namespace_code = "acme";
    i.project_code = "web";
    i.snapshot_path = "/var/lib/flecto-agent/snapshot.json";
    return i;
  }
  ServedProjects projects;
  RequestCounters unrouted;
  ReloadStatus reloads;
  std::shared_ptr<ServedProject> project;
  ServedTable& served;
  SyncStatus& sync;
  RequestCounters& counters;
  AdminServer server;
  std::unique_ptr<httplib::Client> client;
};

const std::map<std::string, std::string> kProject = {{"namespace", "acme"}, {"project", "web"}};

std::map<std::string, std::string> project_and(std::map<std::string, std::string> more) {
  more.insert(kProject.begin(), kProject.end());
  return more;
}

std::shared_ptr<const Table> small_table() {
  Rules rules;
  rules.version = 12;
  rules.redirects = {redirect("BASIC", "/a", "/b"), redirect("REGEX", "^/r/(.*)$", "/$1")};
  rules.pages = {page("BASIC", "/p", "x")};
  return build_table(rules);
}

}  // namespace

TEST_CASE("admin: /healthz always, /readyz once a table is served", "[admin]") {
  RunningAdmin admin;
  auto health = admin.client->Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto before = admin.client->Get("/readyz");
  REQUIRE(before);
  CHECK(before->status == 503);
  admin.served.swap_in(small_table());
  auto after = admin.client->Get("/readyz");
  REQUIRE(after);
  CHECK(after->status == 200);
  auto health_after = admin.client->Get("/healthz");
  REQUIRE(health_after);
  CHECK(health_after->status == 200);
}

TEST_CASE("admin: /metrics is valid Prometheus text with the agent's figures", "[admin]") {
  RunningAdmin admin;
  admin.served.swap_in(small_table());
  admin.sync.update([](SyncState& s) {
    s.syncs_success = 1;
    s.syncs_error = 4;
  });
  admin.counters.record(RequestOutcome::kRedirect, 308, std::chrono::microseconds(20));
  auto r = admin.client->Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_THAT(r->get_header_value("Content-Type"), Catch::StartsWith("text/plain; version=0.0.4"));
  const auto samples = parse_prometheus_text(r->body);
  CHECK(prometheus_value(samples, "flecto_agent_loaded_version", kProject) == 12);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", project_and({{"result", "error"}})) == 4);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total",
                         project_and({{"outcome", "redirect"}, {"code", "308"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_projects") == 1);
}

TEST_CASE("admin: /status JSON, without credentials", "[admin]") {
  RunningAdmin admin;
  auto before = admin.client->Get("/status");
  REQUIRE(before);
  CHECK(before->status == 200);
  CHECK(before->get_header_value("Content-Type") == "application/json");
  CHECK_THAT(before->body, Catch::Contains("\"ready\":false") && Catch::Contains("\"version\":null") &&
                               Catch::Contains("\"last_attempt_time\":null"));

  admin.served.swap_in(small_table());
  admin.sync.update([](SyncState& s) {
    s.table_source = TableSource::kManager;
    s.last_result = SyncResult::kError;
    s.last_error = "GET .../version: 401 \"token expired\"\n";
    s.last_attempt_time = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  });
  auto r = admin.client->Get("/status");
  REQUIRE(r);
  const std::string& body = r->body;
  CHECK_THAT(body, Catch::Contains("\"agent_name\":\"edge-eu-1\""));
  CHECK_THAT(body, Catch::Contains("\"manager_url\":\"https://manager.example.com/base\""));
  CHECK_THAT(body, !Catch::Contains("s3cret"));
  CHECK_THAT(body, Catch::Contains("\"namespace\":\"acme\"") && Catch::Contains("\"project\":\"web\""));
  CHECK_THAT(body, Catch::Contains("\"ready\":true") && Catch::Contains("\"version\":12"));
  CHECK_THAT(body, Catch::Contains("\"table_source\":\"manager\""));
  CHECK_THAT(body, Catch::Contains("\"redirects\":{\"BASIC\":1,\"BASIC_HOST\":0,\"REGEX\":1,\"REGEX_HOST\":0}"));
  CHECK_THAT(body, Catch::Contains("\"pages\":{\"BASIC\":1,\"BASIC_HOST\":0}"));
  CHECK_THAT(body, Catch::Contains("\"last_attempt_time\":\"2023-11-14T22:13:20Z\""));
  CHECK_THAT(body, Catch::Contains("\"last_result\":\"error\""));
  CHECK_THAT(body, Catch::Contains("\"last_error\":\"GET .../version: 401 \\\"token expired\\\"\\n\""));
  CHECK_THAT(body, Catch::Contains("\"snapshot_path\":\"/var/lib/flecto-agent/snapshot.json\""));
}

TEST_CASE("admin: unknown paths 404, other methods 405", "[admin]") {
  RunningAdmin admin;
  auto missing = admin.client->Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  auto post = admin.client->Post("/healthz", "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
}

TEST_CASE("admin: start fails clearly on a port in use, stop is idempotent", "[admin]") {
  RunningAdmin first;
  ServedProjects projects;
  RequestCounters counters;
  ReloadStatus reloads;
  AdminServer second(projects, counters, reloads, {});
  CHECK_THROWS_WITH(second.start(ListenAddress{"127.0.0.1", first.server.port()}),
                    Catch::Contains("cannot listen on 127.0.0.1:"));
  first.server.stop();
  first.server.stop();
}

TEST_CASE("admin: /match answers from the table being served", "[admin]") {
  RunningAdmin admin;
  auto early = admin.client->Get("/match?host=example.com&uri=%2Fa");
  REQUIRE(early);
  CHECK(early->status == 503);
  admin.served.swap_in(small_table());

  auto missing = admin.client->Get("/match?host=example.com");
  REQUIRE(missing);
  CHECK(missing->status == 400);

  auto hit = admin.client->Get("/match?host=example.com&uri=%2Fr%2Fx%3Fq%3D1%2B2");
  REQUIRE(hit);
  CHECK(hit->status == 200);
  CHECK(hit->get_header_value("Content-Type") == "application/json");
  const auto table = admin.served.current();
  CHECK(hit->body == "{\"project\":\"acme/web\"," + match_result_json(*table, "example.com", "/r/x?q=1+2").substr(1) + "\n");
  CHECK_THAT(hit->body, Catch::Contains("\"target\":\"/x?q=1+2\""));

  auto page_hit = admin.client->Get("/match?host=example.com&uri=%2Fp");
  REQUIRE(page_hit);
  CHECK(page_hit->body == "{\"project\":\"acme/web\"," + match_result_json(*table, "example.com", "/p").substr(1) + "\n");
  CHECK_THAT(page_hit->body, Catch::Contains("\"redirect\":null"));
}
