// The projects of a host, each synced from its own stand-in manager:
// started from plans, changed by later plans (a reload) without losing
// what is served.
#include <catch2/catch.hpp>

#include <memory>

#include "agent/projects/project_set.hpp"
#include "agent/projects/snapshot_name.hpp"
#include "tests/agent/sync/fakes.hpp"
#include "tests/standin_manager/standin_manager.hpp"

using namespace std::chrono_literals;
using namespace flecto;
using flecto::test::eventually;
using flecto::test::sample_rules;
using flecto::test::TempDir;

namespace {

// A stand-in manager serving one project, `code`, at `version` (on `port`;
// 0: any free one).
std::unique_ptr<standin::StandinManager> manager_of(const std::string& code, std::int64_t version,
                                                    const std::string& token = "token-x", int port = 0) {
  standin::Options options;
  options.namespace_code = "ns";
  options.project_code = code;
  options.token = token;
  options.port = port;
  return std::make_unique<standin::StandinManager>(options, sample_rules(version));
}

ProjectPlan plan_for(const standin::StandinManager& manager, const std::string& state_dir,
                     std::vector<std::string> hosts, bool is_default = false) {
  ProjectPlan plan;
  plan.config.manager_url = manager.url();
  plan.config.namespace_code = manager.options().namespace_code;
  plan.config.project_code = manager.options().project_code;
  plan.config.token = manager.options().token;
  plan.config.agent_name = "edge-test-1";
  plan.config.state_dir = state_dir;
  plan.config.interval_check = 1h;
  plan.config.sync_timeout = 20s;
  plan.config.snapshot_name =
      project_snapshot_name(plan.config.manager_url, plan.config.namespace_code, plan.config.project_code);
  plan.hosts = std::move(hosts);
  plan.is_default = is_default;
  plan.label = plan.config.namespace_code + "/" + plan.config.project_code;
  return plan;
}

SyncLoopOptions fast() {
  SyncLoopOptions options;
  options.initial_backoff = 5ms;
  options.tick_period = 10ms;
  options.seed = 7;
  return options;
}

// The version the project answering `host` serves; -1: no project, 0: no table.
std::int64_t version_for(const ServedProjects& served, const std::string& host) {
  const auto routing = served.current();
  const ServedProject* project = routing ? routing->route(host) : nullptr;
  if (!project) return -1;
  const auto table = project->served.current();
  return table ? table->version() : 0;
}

}  // namespace

TEST_CASE("project set: each host is answered by its own project's table", "[projects][threads]") {
  TempDir dir;
  auto fr = manager_of("site-fr", 3);
  auto es = manager_of("site-es", 8);
  ServedProjects served;
  ProjectSet projects(served, fast());
  const ProjectChanges started =
      projects.apply({plan_for(*fr, dir.path(), {"example.fr", "*.example.fr"}), plan_for(*es, dir.path(), {"example.es"})});
  CHECK(started.added == std::vector<std::string>{"ns/site-fr", "ns/site-es"});
  // Routed at once, but nothing synced before start().
  CHECK(version_for(served, "example.fr") == 0);
  CHECK(fr->request_count(standin::Endpoint::kVersion) == 0);
  projects.start();
  REQUIRE(eventually([&] { return version_for(served, "example.fr") == 3 && version_for(served, "example.es") == 8; }));
  CHECK(version_for(served, "www.example.fr:8080") == 3);
  CHECK(version_for(served, "EXAMPLE.ES.") == 8);
  CHECK(version_for(served, "example.com") == -1);
  CHECK(projects.agent_name() == "edge-test-1");
  // Each project reported its own version to its own manager.
  REQUIRE(fr->wait_for_reports(1, 20s));
  REQUIRE(es->wait_for_reports(1, 20s));
  CHECK(fr->reports().front().version == 3);
  CHECK(es->reports().front().version == 8);
}

TEST_CASE("project set: projects whose managers fail keep the others serving", "[projects][threads]") {
  TempDir dir;
  auto good = manager_of("good", 5);
  auto refused = manager_of("refused", 6);
  refused->set_fault(standin::Endpoint::kVersion, standin::Fault::http_error(401, "token expired"));
  auto invalid = manager_of("invalid", 7);
  standin::Fault malformed;
  malformed.body = standin::Fault::Body::kMalformedJson;
  invalid->set_fault(standin::Endpoint::kRedirects, malformed);
  auto down = manager_of("down", 8);
  const ProjectPlan down_plan = plan_for(*down, dir.path(), {"down.example"});
  down->stop();
  ServedProjects served;
  ProjectSet projects(served, fast());
  projects.apply({plan_for(*good, dir.path(), {"good.example"}), plan_for(*refused, dir.path(), {"refused.example"}),
                  plan_for(*invalid, dir.path(), {"invalid.example"}), down_plan});
  projects.start();
  REQUIRE(eventually([&] { return version_for(served, "good.example") == 5; }));
  const auto routing = served.current();
  for (const std::string host : {"refused.example", "invalid.example", "down.example"}) {
    INFO(host);
    const ServedProject* failing = routing->route(host);
    REQUIRE(failing);
    REQUIRE(eventually([&] { return failing->status.get().consecutive_failures >= 2; }));
    CHECK(version_for(served, host) == 0);
  }
  CHECK_THAT(routing->route("refused.example")->status.get().last_error,
             Catch::StartsWith("version check: ") && Catch::Contains("401"));
  CHECK_THAT(routing->route("invalid.example")->status.get().last_error, Catch::StartsWith("load: "));
  CHECK_THAT(routing->route("down.example")->status.get().last_error, Catch::StartsWith("version check: "));
  // The good project synced once and never failed.
  const SyncState good_state = routing->route("good.example")->status.get();
  CHECK(good_state.last_error.empty());
  CHECK(good_state.syncs_error == 0);
}

TEST_CASE("project set: a new plan adds, removes, restarts and keeps projects", "[projects][threads]") {
  TempDir dir;
  auto kept = manager_of("kept", 1);
  auto dropped = manager_of("dropped", 2);
  auto retoken = manager_of("retoken", 3, "old-token");
  auto added = manager_of("added", 4);
  ServedProjects served;
  ProjectSet projects(served, fast());
  projects.apply({plan_for(*kept, dir.path(), {"kept.example"}), plan_for(*dropped, dir.path(), {"dropped.example"}),
                  plan_for(*retoken, dir.path(), {"retoken.example"})});
  projects.start();
  REQUIRE(eventually([&] {
    return version_for(served, "kept.example") == 1 && version_for(served, "dropped.example") == 2 &&
           version_for(served, "retoken.example") == 3;
  }));
  const ServedProject* kept_before = served.current()->route("kept.example");
  const ServedProject* retoken_before = served.current()->route("retoken.example");
  const auto kept_checks = kept->request_count(standin::Endpoint::kVersion);

  // The manager now wants a new token for "retoken" (same URL, namespace and
  // project), and publishes version 9 there: only a sync with the new token
  // can fetch it.
  const int port = retoken->port();
  retoken->stop();
  auto renewed = manager_of("retoken", 9, "new-token", port);
  ProjectPlan retoken_plan = plan_for(*renewed, dir.path(), {"retoken.example", "also.example"});
  ProjectPlan kept_plan = plan_for(*kept, dir.path(), {"kept.example", "kept2.example"});
  const ProjectChanges changes = projects.apply({kept_plan, retoken_plan, plan_for(*added, dir.path(), {"added.example"})});
  CHECK(changes.kept == std::vector<std::string>{"ns/kept"});
  CHECK(changes.restarted == std::vector<std::string>{"ns/retoken"});
  CHECK(changes.added == std::vector<std::string>{"ns/added"});
  CHECK(changes.removed == std::vector<std::string>{"ns/dropped"});

  // The routing changed in one step: the kept projects are the same objects,
  // still serving what they had; the removed one answers no more.
  const auto routing = served.current();
  CHECK(routing->route("kept.example") == kept_before);
  CHECK(routing->route("kept2.example") == kept_before);
  CHECK(routing->route("retoken.example") == retoken_before);
  CHECK(routing->route("also.example") == retoken_before);
  CHECK(routing->route("dropped.example") == nullptr);
  CHECK(version_for(served, "kept.example") == 1);
  // The restarted project serves its table throughout: the old one, or
  // already the new sync's.
  const std::int64_t during = version_for(served, "retoken.example");
  CHECK((during == 3 || during == 9));
  REQUIRE(eventually([&] { return version_for(served, "added.example") == 4; }));
  REQUIRE(eventually([&] { return version_for(served, "retoken.example") == 9; }));
  // The kept sync ran on, untouched: no extra check was made for it.
  CHECK(kept->request_count(standin::Endpoint::kVersion) == kept_checks);
  projects.sync_all_now();
  REQUIRE(eventually([&] { return kept->request_count(standin::Endpoint::kVersion) > kept_checks; }));
}

TEST_CASE("project set: each project serves its own snapshot at start", "[projects][threads]") {
  TempDir dir;
  auto one = manager_of("one", 11);
  auto two = manager_of("two", 12);
  const ProjectPlan plan_one = plan_for(*one, dir.path(), {"one.example"});
  const ProjectPlan plan_two = plan_for(*two, dir.path(), {"two.example"});
  {
    ServedProjects served;
    ProjectSet projects(served, fast());
    projects.apply({plan_one, plan_two});
    projects.start();
    REQUIRE(eventually([&] { return version_for(served, "one.example") == 11 && version_for(served, "two.example") == 12; }));
    REQUIRE(one->wait_for_reports(1, 20s));
    REQUIRE(two->wait_for_reports(1, 20s));
  }
  one->stop();
  two->stop();
  ServedProjects served;
  ProjectSet projects(served, fast());
  projects.apply({plan_one, plan_two});
  projects.start();
  REQUIRE(eventually([&] { return version_for(served, "one.example") == 11 && version_for(served, "two.example") == 12; }));
  CHECK(served.current()->route("one.example")->status.get().table_source == TableSource::kSnapshot);
  CHECK(served.current()->route("two.example")->status.get().table_source == TableSource::kSnapshot);
}
