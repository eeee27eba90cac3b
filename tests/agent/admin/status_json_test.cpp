// GET /status's body with several projects, one project, and none.
#include <catch2/catch.hpp>

#include "agent/admin/status_json.hpp"
#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

std::shared_ptr<ServedProject> project(const std::string& ns, const std::string& code, std::int64_t version) {
  ProjectIdentity identity{ns + "/" + code, "https://user:pw@" + ns + ".example", ns, code,
                           "/var/lib/flecto-agent/project." + code + ".json", ""};
  auto p = std::make_shared<ServedProject>(identity);
  if (version > 0) {
    Rules rules;
    rules.version = version;
    rules.redirects = {redirect("BASIC", "/" + code, "/new")};
    p->served.swap_in(build_table(rules));
  }
  return p;
}

}  // namespace

TEST_CASE("status json: every project, its hosts and its own state", "[admin]") {
  auto fr = project("prod", "site-fr", 4);
  auto es = project("iberia", "site-es", 0);
  es->status.update([](SyncState& s) {
    s.last_result = SyncResult::kError;
    s.last_error = "version check: HTTP 401";
  });
  ProjectRouting routing(HostRouter({{"example.fr", 0}, {"example.es", 1}}, 0),
                         {{fr, {"example.fr"}, true}, {es, {"example.es"}, false}});
  ReloadStatus reloads;
  reloads.record_refused(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)),
                         {"host_configs[0]: project_code is required"});
  const std::string body = status_json("edge-1", &routing, reloads.get());
  CHECK_THAT(body, Catch::StartsWith("{\"agent_name\":\"edge-1\","));
  CHECK_THAT(body, Catch::Contains("\"ready\":false,"));  // site-es serves nothing yet
  CHECK_THAT(body, Catch::Contains("{\"label\":\"prod/site-fr\",\"hosts\":[\"example.fr\"],\"default\":true,"
                                   "\"ready\":true,"));
  CHECK_THAT(body, Catch::Contains("{\"label\":\"iberia/site-es\",\"hosts\":[\"example.es\"],\"default\":false,"
                                   "\"ready\":false,\"table_memory_bytes\":0,"));
  CHECK_THAT(body, Catch::Contains("\"manager_url\":\"https://prod.example\""));
  CHECK_THAT(body, !Catch::Contains("pw@"));
  CHECK_THAT(body, Catch::Contains("\"version\":4,\"table_source\""));
  CHECK_THAT(body, Catch::Contains("\"version\":null,\"table_source\""));
  CHECK_THAT(body, Catch::Contains("\"last_error\":\"version check: HTTP 401\""));
  CHECK_THAT(body, Catch::Contains("\"snapshot_path\":\"/var/lib/flecto-agent/project.site-es.json\""));
  CHECK_THAT(body, Catch::Contains("\"config_reloads\":{\"applied\":0,\"refused\":1,\"last_time\":\"2023-11-14T22:13:20Z\","
                                   "\"last_ok\":false,\"last_problems\":[\"host_configs[0]: project_code is required\"]}"));
  // The whole memory is the sum of the projects'.
  const auto memory = fr->served.current()->stats().memory_bytes;
  CHECK_THAT(body, Catch::Contains("\"table_memory_bytes\":" + std::to_string(memory) + ",\"config_reloads\""));
  // Several projects: no project's fields at the top level.
  CHECK(body.find("\"namespace\"") > body.find("\"projects\":["));
  CHECK_THAT(body, Catch::EndsWith("}]}\n"));
}

TEST_CASE("status json: a lone project's fields also at the top level, as before", "[admin]") {
  auto web = project("acme", "web", 12);
  const auto routing = single_project_routing(web);
  const std::string body = status_json("edge-1", routing.get(), ReloadState{});
  const auto top = body.rfind("],\"manager_url\":");
  REQUIRE(top != std::string::npos);
  CHECK_THAT(body.substr(top), Catch::Contains("\"namespace\":\"acme\",\"project\":\"web\"") &&
                                   Catch::Contains("\"version\":12") && Catch::EndsWith("}}\n"));
  CHECK_THAT(body, Catch::Contains("\"ready\":true"));
}

TEST_CASE("status json: nothing configured yet is not ready", "[admin]") {
  const std::string body = status_json("edge-1", nullptr, ReloadState{});
  CHECK_THAT(body, Catch::Contains("\"ready\":false") && Catch::Contains("\"projects\":[]"));
}

TEST_CASE("status json: redact_url_credentials", "[admin]") {
  CHECK(redact_url_credentials("https://u:p@h.example/x@y") == "https://h.example/x@y");
  CHECK(redact_url_credentials("https://h.example/x") == "https://h.example/x");
  CHECK(redact_url_credentials("https://token@h.example") == "https://h.example");
  CHECK(redact_url_credentials("") == "");
}
