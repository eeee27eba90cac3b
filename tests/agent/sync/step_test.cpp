// The sync step's outcomes, against the scripted manager.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <simdjson.h>

#include "agent/sync/snapshot.hpp"
#include "agent/sync/step.hpp"
#include "tests/agent/sync/fakes.hpp"

using namespace std::chrono_literals;
using flecto::HeldVersion;
using flecto::SyncOutcome;
using flecto::test::FakeManager;
using flecto::test::sample_rules;
using flecto::test::TempDir;

namespace {

// A step's inputs, with a state directory of its own.
struct Rig {
  explicit Rig(flecto::Rules published = {}) : manager(std::move(published)) {
    config.state_dir = dir.path();
    config.sync_timeout = 20s;
  }
  SyncOutcome step(const std::optional<HeldVersion>& held, flecto::SyncStepOptions options = {},
                   std::stop_token stop = {}) {
    return flecto::run_sync_step(flecto::SyncContext{config, agent_name, manager, served, status}, held, stop,
                                 options);
  }

  TempDir dir;
  flecto::Config config;
  std::string agent_name = "edge-step";
  FakeManager manager;
  flecto::ServedTable served;
  flecto::SyncStatus status;
};

}  // namespace

TEST_CASE("sync step: the held version is unchanged: a heartbeat, nothing loaded") {
  Rig rig(sample_rules(3));
  SyncOutcome outcome = rig.step(HeldVersion{3, std::nullopt});
  CHECK(outcome.result == SyncOutcome::Result::kUnchanged);
  CHECK(outcome.version == 3);
  CHECK(outcome.told == flecto::UnchangedTold::kHeartbeat);
  CHECK(rig.manager.heartbeats() == std::vector<std::string>{"edge-step"});
  CHECK(rig.manager.calls("version") == 1);
  CHECK(rig.manager.calls("redirects") == 0);
  CHECK(rig.served.current() == nullptr);
  auto state = rig.status.get();
  CHECK(state.last_result == flecto::SyncResult::kUnchanged);
  CHECK(state.syncs_unchanged == 1);
  CHECK(state.last_attempt_time.has_value());
}

TEST_CASE("sync step: a report still owed is sent in place of the heartbeat") {
  Rig rig(sample_rules(3));
  flecto::LoadReport owed{"edge-step", 3, false, 5ms, "1 rule skipped"};
  SyncOutcome outcome = rig.step(HeldVersion{3, owed});
  CHECK(outcome.result == SyncOutcome::Result::kUnchanged);
  CHECK(outcome.told == flecto::UnchangedTold::kOwedReport);
  REQUIRE(rig.manager.reports().size() == 1);
  CHECK(rig.manager.reports()[0].error == "1 rule skipped");
  CHECK(rig.manager.heartbeats().empty());
}

TEST_CASE("sync step: version 0 unchanged tells the manager nothing") {
  Rig rig;
  SyncOutcome outcome = rig.step(HeldVersion{0, std::nullopt});
  CHECK(outcome.result == SyncOutcome::Result::kUnchanged);
  CHECK(outcome.told == flecto::UnchangedTold::kNothing);
  CHECK(rig.manager.heartbeats().empty());
  CHECK(rig.manager.reports().empty());
}

TEST_CASE("sync step: a new version is loaded, served, written and reported, reading the version twice") {
  Rig rig(sample_rules(4, 6));
  std::optional<std::int64_t> announced;
  flecto::SyncStepOptions options;
  options.loading = [&](std::int64_t version) { announced = version; };
  SyncOutcome outcome = rig.step(HeldVersion{3, std::nullopt}, options);
  REQUIRE(outcome.result == SyncOutcome::Result::kLoaded);
  CHECK(announced == 4);
  CHECK(outcome.version == 4);
  REQUIRE(outcome.load.has_value());
  // The rules are not kept (the table and the snapshot hold them), but their version.
  CHECK(outcome.load->rules == flecto::Rules{4, {}, {}});
  CHECK(outcome.snapshot_error.empty());
  CHECK(rig.served.current() == outcome.load->built.table);
  CHECK(flecto::read_snapshot(rig.dir.path()) == sample_rules(4, 6));
  // The check, then the fetch's read after the listings.
  CHECK(rig.manager.calls("version") == 2);
  REQUIRE(outcome.report.has_value());
  CHECK_FALSE(outcome.report->failure.has_value());
  REQUIRE(rig.manager.reports().size() == 1);
  CHECK(rig.manager.reports()[0].version == 4);
  CHECK(rig.manager.reports()[0].success);
  auto state = rig.status.get();
  CHECK(state.table_source == flecto::TableSource::kManager);
  CHECK(state.last_result == flecto::SyncResult::kSuccess);
  CHECK(state.syncs_success == 1);
}

TEST_CASE("sync step: force loads the held version again") {
  Rig rig(sample_rules(3));
  flecto::SyncStepOptions options;
  options.force = true;
  SyncOutcome outcome = rig.step(HeldVersion{3, std::nullopt}, options);
  CHECK(outcome.result == SyncOutcome::Result::kLoaded);
  CHECK(rig.manager.calls("redirects") == 1);
  CHECK(rig.manager.heartbeats().empty());
}

TEST_CASE("sync step: a load the manager refuses is recorded and reported with the held version") {
  Rig rig(sample_rules(5));
  rig.manager.fail("pages", flecto::test::http_error(500));
  SyncOutcome outcome = rig.step(HeldVersion{4, std::nullopt});
  REQUIRE(outcome.result == SyncOutcome::Result::kFailed);
  CHECK(outcome.version == 5);
  REQUIRE(outcome.failure.has_value());
  CHECK(outcome.failure->step == "load");
  CHECK(outcome.failure->message == "HTTP 500");
  CHECK(outcome.failure->kind == flecto::ManagerError::Kind::kHttpStatus);
  CHECK_FALSE(outcome.failure->timed_out);
  REQUIRE(outcome.report.has_value());
  CHECK_FALSE(outcome.report->failure.has_value());
  REQUIRE(rig.manager.reports().size() == 1);
  CHECK(rig.manager.reports()[0].version == 4);
  CHECK_FALSE(rig.manager.reports()[0].success);
  CHECK(rig.served.current() == nullptr);
  CHECK_FALSE(flecto::read_snapshot(rig.dir.path()).has_value());
  auto state = rig.status.get();
  CHECK(state.last_result == flecto::SyncResult::kError);
  CHECK(state.last_error == "load: HTTP 500");
  CHECK(state.syncs_error == 1);
}

TEST_CASE("sync step: an unreachable manager, or nothing held, gets no failure report") {
  SECTION("unreachable") {
    Rig rig(sample_rules(5));
    rig.manager.fail("redirects", flecto::test::unreachable());
    SyncOutcome outcome = rig.step(HeldVersion{4, std::nullopt});
    CHECK(outcome.result == SyncOutcome::Result::kFailed);
    CHECK_FALSE(outcome.report.has_value());
  }
  SECTION("nothing held") {
    Rig rig(sample_rules(5));
    rig.manager.fail("redirects", flecto::test::invalid_data());
    SyncOutcome outcome = rig.step(std::nullopt);
    CHECK(outcome.result == SyncOutcome::Result::kFailed);
    CHECK_FALSE(outcome.report.has_value());
  }
  SECTION("a failed check") {
    Rig rig(sample_rules(5));
    rig.manager.fail("version", flecto::test::http_error(401));
    SyncOutcome outcome = rig.step(HeldVersion{4, std::nullopt});
    REQUIRE(outcome.result == SyncOutcome::Result::kFailed);
    CHECK(outcome.failure->step == "version check");
    CHECK(outcome.version == 0);
    CHECK_FALSE(outcome.report.has_value());
  }
}

TEST_CASE("sync step: a snapshot that cannot be written leaves the load served and named in the report") {
  Rig rig(sample_rules(3));
  { std::ofstream(rig.dir / "file") << "x"; }
  rig.config.state_dir = rig.dir / "file/state";
  SyncOutcome outcome = rig.step(std::nullopt);
  REQUIRE(outcome.result == SyncOutcome::Result::kLoaded);
  CHECK_THAT(outcome.snapshot_error, Catch::Contains("file/state"));
  CHECK(rig.served.current() == outcome.load->built.table);
  REQUIRE(rig.manager.reports().size() == 1);
  CHECK_FALSE(rig.manager.reports()[0].success);
  CHECK(rig.manager.reports()[0].error == "snapshot not written: " + outcome.snapshot_error);
  CHECK(rig.status.get().snapshot_write_errors == 1);
  CHECK(rig.status.get().last_result == flecto::SyncResult::kSuccess);
}

TEST_CASE("sync step: a rejected version leaves the old snapshot, and no temporary file, while the outcome lives") {
  flecto::Rules invalid = sample_rules(5, 4);
  invalid.redirects.push_back({"BASIC", "/gone", "/x", "GONE"});
  Rig rig(invalid);
  rig.config.on_invalid_rules = flecto::InvalidRules::kReject;
  flecto::write_snapshot(rig.dir.path(), sample_rules(4, 2));
  SyncOutcome outcome = rig.step(HeldVersion{4, std::nullopt});
  REQUIRE(outcome.result == SyncOutcome::Result::kRejected);
  REQUIRE(outcome.load.has_value());
  CHECK(flecto::read_snapshot(rig.dir.path()) == sample_rules(4, 2));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(rig.dir.path())) ++files;
  CHECK(files == 1);
}

TEST_CASE("sync step: the old snapshot stays in place while the new version is fetched") {
  Rig rig(sample_rules(5, 4));
  flecto::write_snapshot(rig.dir.path(), sample_rules(4, 2));
  // Serving is seen by the report, which comes after the snapshot: by then
  // it is the new one. Before the swap, the listings were walked with the
  // old snapshot still in place.
  std::optional<flecto::Rules> during_walk;
  rig.manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "version" && rig.manager.calls("version") == 2) during_walk = flecto::read_snapshot(rig.dir.path());
  });
  SyncOutcome outcome = rig.step(HeldVersion{4, std::nullopt});
  REQUIRE(outcome.result == SyncOutcome::Result::kLoaded);
  CHECK(during_walk == sample_rules(4, 2));
  CHECK(flecto::read_snapshot(rig.dir.path()) == sample_rules(5, 4));
  CHECK(outcome.snapshot_error.empty());
}

TEST_CASE("sync step: a failed report leaves the load served") {
  Rig rig(sample_rules(3));
  rig.manager.fail("report", flecto::test::http_error(503));
  SyncOutcome outcome = rig.step(std::nullopt);
  REQUIRE(outcome.result == SyncOutcome::Result::kLoaded);
  REQUIRE(outcome.report.has_value());
  REQUIRE(outcome.report->failure.has_value());
  CHECK(outcome.report->failure->step == "report");
  CHECK(outcome.report->report.version == 3);
  CHECK(rig.served.current() != nullptr);
}

TEST_CASE("sync step: a stop during the load abandons it: nothing served, written or recorded") {
  Rig rig(sample_rules(3));
  std::stop_source stop;
  rig.manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "pages") stop.request_stop();
  });
  SyncOutcome outcome = rig.step(std::nullopt, {}, stop.get_token());
  CHECK(outcome.result == SyncOutcome::Result::kAbandoned);
  CHECK(rig.served.current() == nullptr);
  CHECK_FALSE(flecto::read_snapshot(rig.dir.path()).has_value());
  CHECK(rig.manager.reports().empty());
  CHECK(rig.status.get().last_result == flecto::SyncResult::kNone);
}

TEST_CASE("sync step: sync_timeout ends a step as a time-out") {
  Rig rig(sample_rules(3));
  rig.config.sync_timeout = 30ms;
  rig.manager.set_on_call([](const std::string& endpoint, std::stop_token stop) {
    if (endpoint == "redirects") flecto::test::block_until_stopped(stop);
  });
  SyncOutcome outcome = rig.step(HeldVersion{2, std::nullopt});
  REQUIRE(outcome.result == SyncOutcome::Result::kFailed);
  CHECK(outcome.failure->timed_out);
  CHECK(outcome.failure->message == "timed out after 30ms");
  CHECK_FALSE(outcome.report.has_value());
}

TEST_CASE("sync step: failures in a row are counted from the first, and a good check ends the run") {
  Rig rig(sample_rules(5));
  rig.manager.fail("version", flecto::test::unreachable());
  rig.step(HeldVersion{5, std::nullopt});
  auto state = rig.status.get();
  CHECK(state.consecutive_failures == 1);
  REQUIRE(state.failing_since.has_value());
  CHECK(state.failing_since == state.last_attempt_time);
  CHECK_FALSE(state.last_check_success_time.has_value());
  const auto first_failure = *state.failing_since;

  rig.step(HeldVersion{5, std::nullopt});
  state = rig.status.get();
  CHECK(state.consecutive_failures == 2);
  CHECK(state.failing_since == first_failure);  // the run began with the first

  // The manager answers again, the version unchanged: the run is over.
  rig.manager.heal_all();
  rig.step(HeldVersion{5, std::nullopt});
  state = rig.status.get();
  CHECK(state.consecutive_failures == 0);
  CHECK_FALSE(state.failing_since.has_value());
  REQUIRE(state.last_check_success_time.has_value());

  // A check that answers but a load that fails: the check counts as heard
  // from the manager, the attempt as a failure.
  const auto heard = *state.last_check_success_time;
  rig.manager.fail("pages", flecto::test::http_error(500));
  rig.step(HeldVersion{4, std::nullopt});
  state = rig.status.get();
  CHECK(state.consecutive_failures == 1);
  REQUIRE(state.last_check_success_time.has_value());
  CHECK(*state.last_check_success_time >= heard);

  // A load that swaps a table in ends the run too.
  rig.manager.heal_all();
  rig.step(HeldVersion{4, std::nullopt});
  state = rig.status.get();
  CHECK(state.consecutive_failures == 0);
  CHECK_FALSE(state.failing_since.has_value());
}

namespace {

std::size_t code_points(const std::string& text) {
  std::size_t n = 0;
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

flecto::ManagerError record_not_found() {
  return flecto::ManagerError(flecto::ManagerError::Kind::kHttpStatus,
                              "PATCH http://m/api/namespace/n/project/p/agents/edge-step/hit: HTTP 500 (the manager "
                              "says \"record not found\")",
                              500);
}

}  // namespace

TEST_CASE("sync step: a report's error is at most 500 characters, valid UTF-8, its start kept") {
  Rig rig(sample_rules(3));
  std::string message = "HTTP 500 (the manager says \"";
  for (int i = 0; i < 2000; ++i) message += "\xE2\x82\xAC";  // the euro sign, 3 bytes
  message += "\")";
  rig.manager.fail("pages", flecto::ManagerError(flecto::ManagerError::Kind::kHttpStatus, message, 500));
  SyncOutcome outcome = rig.step(HeldVersion{2, std::nullopt});
  CHECK(outcome.result == SyncOutcome::Result::kFailed);
  REQUIRE(rig.manager.reports().size() == 1);
  const std::string error = rig.manager.reports()[0].error;
  CHECK(code_points(error) == 500);
  CHECK(simdjson::validate_utf8(error.data(), error.size()));
  CHECK_THAT(error, Catch::StartsWith("HTTP 500 (the manager says \"\xE2\x82\xAC"));
  CHECK_THAT(error, Catch::EndsWith("\xE2\x82\xAC..."));
  CHECK(outcome.report->report.error == error);  // what the loop keeps is what was sent
}

TEST_CASE("sync step: skipped rules are named in at most 500 characters: the count and the first") {
  flecto::Rules rules = sample_rules(4);
  const std::string long_status(1000, 'X');  // quoted in the reason
  for (int i = 0; i < 3; ++i) {
    rules.redirects.push_back({"BASIC", "/" + std::string(400, 'x') + "\xC3\xA9" + std::to_string(i), "/t", long_status});
  }
  Rig rig(rules);
  rig.config.state_dir.clear();
  SyncOutcome outcome = rig.step(std::nullopt);
  REQUIRE(outcome.result == SyncOutcome::Result::kLoaded);
  REQUIRE(rig.manager.reports().size() == 1);
  const std::string error = rig.manager.reports()[0].error;
  CHECK(code_points(error) <= 500);
  CHECK(simdjson::validate_utf8(error.data(), error.size()));
  CHECK_THAT(error, Catch::StartsWith("3 rules skipped; first: redirect #4 \"/xxx"));
}

TEST_CASE("sync step: every report carries a non-zero load_duration, an owed one too") {
  Rig rig(sample_rules(3));
  flecto::LoadReport owed{"edge-step", 3, true, 0ns, ""};  // e.g. a snapshot's, measured as 0
  rig.step(HeldVersion{3, owed});
  REQUIRE(rig.manager.reports().size() == 1);
  CHECK(rig.manager.reports()[0].load_duration >= 1ns);
}

TEST_CASE("sync step: a heartbeat answered 500 record not found registers the agent again") {
  Rig rig(sample_rules(3));
  rig.manager.fail("heartbeat", record_not_found());
  const flecto::LoadReport served{"edge-step", 3, false, 7ms, "1 rule skipped; first: redirect #2 ..."};
  SyncOutcome outcome = rig.step(HeldVersion{3, std::nullopt, served});
  CHECK(outcome.result == SyncOutcome::Result::kUnchanged);
  CHECK(outcome.told == flecto::UnchangedTold::kRegisteredAgain);
  REQUIRE(rig.manager.reports().size() == 1);
  const flecto::LoadReport sent = rig.manager.reports()[0];
  CHECK(sent.name == "edge-step");
  CHECK(sent.version == 3);
  CHECK_FALSE(sent.success);
  CHECK(sent.load_duration == 7ms);
  CHECK(sent.error == served.error);
  REQUIRE(outcome.report);
  CHECK_FALSE(outcome.report->failure);
  CHECK(rig.status.get().last_result == flecto::SyncResult::kUnchanged);

  // Known again: heartbeats go on.
  rig.manager.heal("heartbeat");
  outcome = rig.step(HeldVersion{3, std::nullopt, served});
  CHECK(outcome.told == flecto::UnchangedTold::kHeartbeat);
  CHECK(rig.manager.heartbeats().size() == 1);
  CHECK(rig.manager.reports().size() == 1);
}

TEST_CASE("sync step: registering again without the served report uses the last load's duration") {
  Rig rig(sample_rules(3));
  rig.manager.fail("heartbeat", record_not_found());
  rig.status.update([](flecto::SyncState& s) { s.last_load_duration = 42ms; });
  rig.step(HeldVersion{3, std::nullopt});
  REQUIRE(rig.manager.reports().size() == 1);
  CHECK(rig.manager.reports()[0].success);
  CHECK(rig.manager.reports()[0].load_duration == 42ms);

  // Nothing measured (--sync-once with a snapshot): still not 0.
  Rig fresh(sample_rules(3));
  fresh.manager.fail("heartbeat", record_not_found());
  fresh.step(HeldVersion{3, std::nullopt});
  REQUIRE(fresh.manager.reports().size() == 1);
  CHECK(fresh.manager.reports()[0].load_duration >= 1ns);
}

TEST_CASE("sync step: other heartbeat errors, or a failing registration, are failures") {
  Rig rig(sample_rules(3));
  rig.manager.fail("heartbeat", flecto::test::http_error(500));  // no "record not found"
  SyncOutcome outcome = rig.step(HeldVersion{3, std::nullopt});
  CHECK(outcome.result == SyncOutcome::Result::kFailed);
  CHECK(outcome.failure->step == "heartbeat");
  CHECK(rig.manager.reports().empty());

  rig.manager.fail("heartbeat", record_not_found());
  rig.manager.fail("report", flecto::test::http_error(503));
  outcome = rig.step(HeldVersion{3, std::nullopt});
  CHECK(outcome.result == SyncOutcome::Result::kFailed);
  CHECK(outcome.failure->step == "report");
  CHECK_THAT(rig.status.get().last_error, Catch::StartsWith("report: HTTP 503"));
}

TEST_CASE("sync step: a failed version check says what /health/ping tells, in the status too") {
  Rig answers(sample_rules(3));
  answers.manager.fail("version", flecto::test::http_error(401));
  SyncOutcome refused = answers.step(std::nullopt);
  REQUIRE(refused.result == SyncOutcome::Result::kFailed);
  CHECK_THAT(refused.failure->message, Catch::StartsWith("HTTP 401; the manager answers /health/ping"));
  CHECK_FALSE(refused.failure->manager_down);
  CHECK_THAT(answers.status.get().last_error, Catch::StartsWith("version check: HTTP 401; the manager answers"));

  // A 502 from a proxy in front of a manager that does not answer the ping
  // either: the manager is down.
  Rig down(sample_rules(3));
  down.manager.fail("version", flecto::test::http_error(502));
  down.manager.fail("ping", flecto::ManagerError(flecto::ManagerError::Kind::kUnreachable, "connection refused"));
  SyncOutcome gone = down.step(std::nullopt);
  REQUIRE(gone.result == SyncOutcome::Result::kFailed);
  CHECK(gone.failure->manager_down);
  CHECK_THAT(gone.failure->message, Catch::Contains("does not answer /health/ping"));

  // A load that fails after a good check is not diagnosed: the token and the
  // project were right.
  Rig load(sample_rules(3));
  load.manager.fail("redirects", flecto::test::http_error(500));
  SyncOutcome failed_load = load.step(std::nullopt);
  REQUIRE(failed_load.result == SyncOutcome::Result::kFailed);
  CHECK(failed_load.failure->message == "HTTP 500");
  CHECK(load.manager.calls("ping") == 0);
}
