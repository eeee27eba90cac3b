#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "agent/exit_status.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/once.hpp"
#include "tests/agent/sync/fakes.hpp"

using namespace std::chrono_literals;
using flecto::ManagerError;
using flecto::test::FakeManager;
using flecto::test::sample_rules;
using flecto::test::TempDir;

namespace {

flecto::Config once_config(const std::string& state_dir) {
  flecto::Config config;
  config.agent_name = "edge-once";
  config.state_dir = state_dir;
  config.sync_timeout = 20s;
  return config;
}

struct Run {
  int status;
  std::string out, err;
};

Run sync_once(const flecto::Config& config, FakeManager& manager, bool force = false, bool quiet = false) {
  std::ostringstream out, err;
  int status = flecto::run_sync_once(config, manager, force, quiet, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("sync-once: loads, writes the snapshot, reports, prints one summary line", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(7, 4));
  Run run = sync_once(once_config(dir.path()), manager);
  CHECK(run.status == flecto::kExitOk);
  CHECK(run.err.empty());
  CHECK_THAT(run.out, Catch::StartsWith("version 7: 4 redirects (4 BASIC, 0 BASIC_HOST, 0 REGEX, 0 REGEX_HOST), "
                                        "1 page (1 BASIC, 0 BASIC_HOST), 0 skipped; load ") &&
                          Catch::EndsWith(" ms\n"));
  CHECK(std::count(run.out.begin(), run.out.end(), '\n') == 1);
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(7, 4));
  REQUIRE(manager.reports().size() == 1);
  CHECK(manager.reports()[0].name == "edge-once");
  CHECK(manager.reports()[0].version == 7);
  CHECK(manager.reports()[0].success);
  CHECK(manager.reports()[0].load_duration > 0ns);
}

TEST_CASE("sync-once: a snapshot that holds the version means a heartbeat only, unless forced", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(7));
  flecto::write_snapshot(dir.path(), sample_rules(7));
  Run run = sync_once(once_config(dir.path()), manager);
  CHECK(run.status == flecto::kExitOk);
  CHECK(run.out == "version 7: unchanged, the snapshot holds it\n");
  CHECK(manager.heartbeats() == std::vector<std::string>{"edge-once"});
  CHECK(manager.calls("redirects") == 0);
  CHECK(manager.reports().empty());

  run = sync_once(once_config(dir.path()), manager, /*force=*/true);
  CHECK(run.status == flecto::kExitOk);
  CHECK(manager.calls("redirects") == 1);
  CHECK(manager.reports().size() == 1);
}

TEST_CASE("sync-once: quiet prints nothing on success", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(2));
  Run run = sync_once(once_config(dir.path()), manager, false, /*quiet=*/true);
  CHECK(run.status == flecto::kExitOk);
  CHECK(run.out.empty());
  CHECK(run.err.empty());
  run = sync_once(once_config(dir.path()), manager, false, true);
  CHECK(run.status == flecto::kExitOk);
  CHECK(run.out.empty());
}

TEST_CASE("sync-once: exit statuses follow the kind of failure, on each endpoint", "[threads]") {
  struct Case {
    ManagerError error;
    int status;
  };
  std::vector<Case> cases = {
      {flecto::test::unreachable(), flecto::kExitUnreachable},
      {flecto::test::http_error(401), flecto::kExitHttpError},
      {flecto::test::http_error(403), flecto::kExitHttpError},
      {flecto::test::http_error(404), flecto::kExitHttpError},
      {flecto::test::http_error(500), flecto::kExitHttpError},
      {flecto::test::invalid_data(), flecto::kExitInvalidData},
  };
  for (const char* endpoint : {"version", "redirects", "pages", "report"}) {
    for (const Case& c : cases) {
      TempDir dir;
      FakeManager manager(sample_rules(4));
      manager.fail(endpoint, c.error);
      Run run = sync_once(once_config(dir.path()), manager, false, /*quiet=*/true);
      INFO(endpoint << ": " << c.error.what());
      CHECK(run.status == c.status);
      CHECK_THAT(run.err, Catch::StartsWith("flecto-agent: sync-once: ") && Catch::Contains(c.error.what()));
      CHECK(run.out.empty());
    }
  }
}

TEST_CASE("sync-once: a failed heartbeat has the exit status of its kind", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(4));
  flecto::write_snapshot(dir.path(), sample_rules(4));
  manager.fail("heartbeat", flecto::test::http_error(403));
  CHECK(sync_once(once_config(dir.path()), manager).status == flecto::kExitHttpError);
}

TEST_CASE("sync-once: a failed load is reported with the version the snapshot holds, the snapshot kept", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(5));
  flecto::write_snapshot(dir.path(), sample_rules(4));
  manager.fail("redirects", flecto::test::http_error(500));
  Run run = sync_once(once_config(dir.path()), manager);
  CHECK(run.status == flecto::kExitHttpError);
  REQUIRE(manager.reports().size() == 1);
  CHECK(manager.reports()[0].version == 4);
  CHECK_FALSE(manager.reports()[0].success);
  CHECK(manager.reports()[0].error == "HTTP 500");
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(4));
}

TEST_CASE("sync-once: a manager slower than sync_timeout is unreachable (3)", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(5));
  manager.set_on_call([](const std::string& endpoint, std::stop_token stop) {
    if (endpoint == "pages") flecto::test::block_until_stopped(stop);
  });
  auto config = once_config(dir.path());
  config.sync_timeout = 30ms;
  Run run = sync_once(config, manager);
  CHECK(run.status == flecto::kExitUnreachable);
  CHECK_THAT(run.err, Catch::Contains("timed out after 30ms"));
  CHECK_FALSE(flecto::read_snapshot(dir.path()).has_value());
}

TEST_CASE("sync-once: configuration errors exit 2", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(5));
  auto config = once_config(dir.path());
  config.agent_name = "edge.1";
  Run run = sync_once(config, manager);
  CHECK(run.status == flecto::kExitUsage);
  CHECK_THAT(run.err, Catch::Contains("agent_name \"edge.1\""));
  CHECK(manager.calls("version") == 0);

  { std::ofstream(dir / "file") << "x"; }
  run = sync_once(once_config(dir / "file/state"), manager);
  CHECK(run.status == flecto::kExitUsage);
  CHECK_THAT(run.err, Catch::Contains("snapshot: ") && Catch::Contains("file/state"));
  REQUIRE(manager.reports().size() == 1);  // the manager still hears of the load, as an error
  CHECK_FALSE(manager.reports()[0].success);
  CHECK_THAT(manager.reports()[0].error, Catch::StartsWith("snapshot not written: "));
}

TEST_CASE("sync-once: skipped rules are reported and printed, and the sync succeeds", "[threads]") {
  TempDir dir;
  flecto::Rules rules = sample_rules(9, 1);
  rules.redirects.push_back({"BASIC", "/old", "/new", "GONE"});
  FakeManager manager(rules);
  Run run = sync_once(once_config(dir.path()), manager, false, /*quiet=*/true);
  CHECK(run.status == flecto::kExitOk);
  CHECK_THAT(run.err, Catch::Contains("1 rule skipped; first: redirect #") && Catch::Contains("\"/old\""));
  REQUIRE(manager.reports().size() == 1);
  CHECK_FALSE(manager.reports()[0].success);
  CHECK(manager.reports()[0].error == run.err.substr(std::string("flecto-agent: sync-once: ").size(),
                                                      run.err.size() - 26));
}

TEST_CASE("sync-once: version 0 writes an empty snapshot and reports nothing", "[threads]") {
  TempDir dir;
  FakeManager manager;
  Run run = sync_once(once_config(dir.path()), manager);
  CHECK(run.status == flecto::kExitOk);
  CHECK_THAT(run.out, Catch::StartsWith("version 0: 0 redirects"));
  CHECK(manager.reports().empty());
  CHECK(flecto::read_snapshot_version(dir.path()) == 0);
  run = sync_once(once_config(dir.path()), manager);
  CHECK(run.status == flecto::kExitOk);
  CHECK(manager.heartbeats().empty());
}
