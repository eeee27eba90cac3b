// diagnose_failure: what GET /health/ping tells about a failed sync, and
// how --sync-once uses it (message and exit status).

#include <catch2/catch.hpp>

#include <sstream>

#include "agent/exit_status.hpp"
#include "agent/manager/client.hpp"
#include "agent/sync/diagnose.hpp"
#include "agent/sync/once.hpp"
#include "tests/agent/sync/fakes.hpp"
#include "tests/standin_manager/standin_manager.hpp"

using namespace std::chrono_literals;
using flecto::Diagnosis;
using flecto::ManagerError;
using flecto::test::FakeManager;
using flecto::test::sample_rules;
using flecto::test::TempDir;
using Kind = flecto::ManagerError::Kind;

namespace {

flecto::Config once_config(const std::string& state_dir) {
  flecto::Config config;
  config.agent_name = "edge-diagnose";
  config.state_dir = state_dir;
  config.sync_timeout = 20s;
  return config;
}

struct Run {
  int status;
  std::string err;
};

Run sync_once(const flecto::Config& config, flecto::ManagerApi& manager) {
  std::ostringstream out, err;
  const int status = flecto::run_sync_once(config, manager, false, true, out, err);
  return {status, err.str()};
}

// The error of a version check that failed so.
ManagerError http_error(int status) {
  return ManagerError(Kind::kHttpStatus, "GET http://m/version: HTTP " + std::to_string(status), status);
}
ManagerError failure(Kind kind) { return ManagerError(kind, "GET http://m/version: failed"); }

}  // namespace

TEST_CASE("diagnose: an HTTP error from a manager that answers the ping: the token or project is wrong",
          "[diagnose]") {
  FakeManager manager;
  const Diagnosis diagnosis = flecto::diagnose_failure(manager, http_error(401));
  CHECK(manager.calls("ping") == 1);
  CHECK(diagnosis.pinged);
  CHECK(diagnosis.manager_answers);
  CHECK_FALSE(diagnosis.manager_down());
  CHECK_THAT(diagnosis.text, Catch::Contains("answers /health/ping") &&
                                 Catch::Contains("token, namespace_code or project_code"));
}

TEST_CASE("diagnose: 502, 503 or 504 from a manager that answers the ping: up, but not answering now",
          "[diagnose]") {
  FakeManager manager;
  for (int status : {502, 503, 504}) {
    const Diagnosis diagnosis = flecto::diagnose_failure(manager, http_error(status));
    INFO(status);
    CHECK(diagnosis.manager_answers);
    CHECK_FALSE(diagnosis.manager_down());
    CHECK_THAT(diagnosis.text, Catch::Contains("could not answer this request now") &&
                                   Catch::Contains("relay") && !Catch::Contains("token"));
  }
  // A 500 is the manager's "record not found": a wrong project (or token).
  CHECK_THAT(flecto::diagnose_failure(manager, http_error(500)).text, Catch::Contains("token, namespace_code"));
}

TEST_CASE("diagnose: an HTTP error from a manager that does not answer the ping: it is down", "[diagnose]") {
  FakeManager manager;
  manager.fail("ping", ManagerError(Kind::kHttpStatus, "GET http://m/health/ping: HTTP 502", 502));
  const Diagnosis diagnosis = flecto::diagnose_failure(manager, http_error(401));
  CHECK(diagnosis.manager_down());
  CHECK_THAT(diagnosis.text, Catch::Contains("does not answer /health/ping either") &&
                                 Catch::Contains("HTTP 502") && Catch::Contains("proxy or load balancer"));
}

TEST_CASE("diagnose: unreachable, with and without an answer to the ping", "[diagnose]") {
  FakeManager manager;
  const Diagnosis up = flecto::diagnose_failure(manager, failure(Kind::kUnreachable));
  CHECK(up.manager_answers);
  CHECK_THAT(up.text, Catch::Contains("it is up") && Catch::Contains("read_timeout"));
  manager.fail("ping", ManagerError(Kind::kUnreachable, "GET http://m/health/ping: cannot connect"));
  const Diagnosis down = flecto::diagnose_failure(manager, failure(Kind::kUnreachable));
  CHECK(down.manager_down());
  CHECK_THAT(down.text, Catch::Contains("down or unreachable"));
}

TEST_CASE("diagnose: invalid data and cancellation need no ping", "[diagnose]") {
  FakeManager manager;
  for (Kind kind : {Kind::kInvalidData, Kind::kCancelled}) {
    const Diagnosis diagnosis = flecto::diagnose_failure(manager, failure(kind));
    CHECK_FALSE(diagnosis.pinged);
    CHECK(diagnosis.text.empty());
  }
  CHECK(manager.calls("ping") == 0);
  std::stop_source stopped;
  stopped.request_stop();
  CHECK_FALSE(flecto::diagnose_failure(manager, http_error(401), stopped.get_token()).pinged);
  CHECK(manager.calls("ping") == 0);
}

TEST_CASE("sync-once: an HTTP error is 4 when the manager answers the ping, 3 when it does not",
          "[diagnose][threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(4));
  manager.fail("version", flecto::test::http_error(401));
  Run up = sync_once(once_config(dir.path()), manager);
  CHECK(up.status == flecto::kExitHttpError);
  CHECK_THAT(up.err, Catch::Contains("answers /health/ping, so it is up"));

  manager.fail("ping", flecto::test::http_error(503));
  Run down = sync_once(once_config(dir.path()), manager);
  CHECK(down.status == flecto::kExitUnreachable);
  CHECK_THAT(down.err, Catch::Contains("does not answer /health/ping either"));
}

TEST_CASE("sync-once against the stand-in: a wrong token is 4, a dead manager 3, each diagnosed",
          "[diagnose][threads]") {
  TempDir dir;
  flecto::Rules rules = sample_rules(3);
  flecto::standin::StandinManager manager({}, rules);
  flecto::Config config = once_config(dir.path());
  config.manager_url = manager.url();
  config.namespace_code = manager.options().namespace_code;
  config.project_code = manager.options().project_code;
  config.connect_timeout = 10s;
  config.read_timeout = 20s;
  std::ostringstream out, err;

  SECTION("a wrong token") {
    config.token = "not-the-token";
    CHECK(flecto::run_sync_once(config, false, true, out, err) == flecto::kExitHttpError);
    CHECK_THAT(err.str(), Catch::Contains("HTTP 401") && Catch::Contains("answers /health/ping, so it is up"));
    CHECK(manager.request_count(flecto::standin::Endpoint::kHealth) == 1);
  }
  SECTION("an unknown project (500), with the hint for managers before 0.2.0") {
    config.token = manager.options().token;
    config.project_code = "no-such-project";
    CHECK(flecto::run_sync_once(config, false, true, out, err) == flecto::kExitHttpError);
    CHECK_THAT(err.str(), Catch::Contains("HTTP 500") && Catch::Contains("managers before 0.2.0") &&
                              Catch::Contains("answers /health/ping"));
  }
  SECTION("a dead manager") {
    config.token = manager.options().token;
    manager.stop();
    flecto::test::RefusingPort refusing;  // stays refused while the test runs
    config.manager_url = refusing.url();
    CHECK(flecto::run_sync_once(config, false, true, out, err) == flecto::kExitUnreachable);
    CHECK_THAT(err.str(), Catch::Contains("cannot connect") &&
                              Catch::Contains("does not answer /health/ping either: it is down or unreachable"));
  }
  INFO(err.str());
}
