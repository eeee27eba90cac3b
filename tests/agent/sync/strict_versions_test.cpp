// on_invalid_rules = "reject" end to end against the stand-in manager, with
// the real ManagerClient: the table, the snapshot, the reports, /status, and
// the listings' limits (redirects_limit, pages_limit) as the manager sees them.

#include <catch2/catch.hpp>

#include <memory>
#include <sstream>

#include "agent/admin/status_json.hpp"
#include "agent/exit_status.hpp"
#include "agent/manager/client.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/once.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/strict_versions.hpp"
#include "tests/agent/sync/fakes.hpp"
#include "tests/agent/sync/standin_support.hpp"
#include "tests/standin_manager/standin_manager.hpp"

using namespace std::chrono_literals;
using flecto::InvalidRules;
using flecto::standin::Endpoint;
using flecto::standin::StandinManager;
using flecto::test::eventually;
using flecto::test::served_version;
using flecto::test::standin_config;
using flecto::test::standin_options;
using flecto::test::StandinLoop;
using flecto::test::TempDir;

namespace {

// Version `version`: /old/<version> -> /new/<version>, and a page.
flecto::Rules good_rules(std::int64_t version) {
  flecto::Rules rules;
  rules.version = version;
  const std::string v = std::to_string(version);
  rules.redirects = {{"BASIC", "/old/" + v, "/new/" + v, "MOVED_PERMANENT"},
                     {"BASIC", "/same", "/same-" + v, "FOUND"}};
  rules.pages = {{"BASIC", "/robots.txt", "v" + v + "\n", "TEXT_PLAIN"}};
  return rules;
}

// The same, and one redirect with a status the manager never sends.
flecto::Rules with_invalid_rule(std::int64_t version) {
  flecto::Rules rules = good_rules(version);
  rules.redirects.push_back({"BASIC", "/gone", "/x", "GONE"});
  return rules;
}

std::string target_of(const flecto::ServedTable& served, const std::string& path) {
  const auto table = served.current();
  if (!table) return "(nothing served)";
  const auto match = table->match_redirect("example.com", path);
  return match ? std::string(match->target) : std::string("(no match)");
}

std::string status_of(const std::shared_ptr<flecto::ServedProject>& project) {
  const auto routing = flecto::single_project_routing(project);
  return flecto::status_json("edge-standin", routing.get(), flecto::ReloadState{});
}

}  // namespace

TEST_CASE("strict versions: the rejection message says what happened, then names the first invalid rule") {
  const flecto::Rules bad = with_invalid_rule(8);
  const flecto::BuildResult built = flecto::Table::build(bad);
  REQUIRE(built.skipped.size() == 1);
  CHECK(flecto::rejects(InvalidRules::kReject, built));
  CHECK_FALSE(flecto::rejects(InvalidRules::kSkip, built));
  CHECK_FALSE(flecto::rejects(InvalidRules::kReject, flecto::Table::build(good_rules(7))));
  CHECK(flecto::rejection_message(8, built.skipped, 7) ==
        "version 8 rejected (on_invalid_rules = reject), serving version 7 as before: 1 invalid rule; first: "
        "redirect #3 \"/gone\": unknown status \"GONE\"");
  CHECK_THAT(flecto::rejection_message(8, built.skipped, std::nullopt),
             Catch::StartsWith("version 8 rejected (on_invalid_rules = reject), serving nothing: 1 invalid rule"));
}

TEST_CASE("strict versions: a version with an invalid rule is rejected, the old one served, then a good one loads",
          "[threads]") {
  StandinManager manager(standin_options(), good_rules(7));
  TempDir dir;
  auto project = std::make_shared<flecto::ServedProject>(flecto::ProjectIdentity{});
  auto config = standin_config(manager, dir.path());
  config.on_invalid_rules = InvalidRules::kReject;
  StandinLoop live(config, project->served, project->status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  REQUIRE(served_version(project->served) == 7);
  CHECK(manager.reports()[0].status == "success");

  // Version 8 has one invalid rule: rejected.
  manager.set_rules(with_invalid_rule(8));
  live.loop().request_sync_now();
  REQUIRE(manager.wait_for_reports(2, 20s));
  const auto report = manager.reports()[1];
  CHECK(report.version == 7);  // what this agent serves
  CHECK(report.status == "error");
  CHECK(report.error ==
        "version 8 rejected (on_invalid_rules = reject), serving version 7 as before: 1 invalid rule; first: "
        "redirect #3 \"/gone\": unknown status \"GONE\"");
  CHECK(report.error.size() <= 500);
  CHECK(served_version(project->served) == 7);
  CHECK(target_of(project->served, "/old/7") == "/new/7");
  CHECK(target_of(project->served, "/old/8") == "(no match)");
  CHECK(flecto::read_snapshot(dir.path()) == good_rules(7));  // not replaced
  flecto::SyncState state = project->status.get();
  CHECK(flecto::to_text(state.last_result) == "rejected");
  CHECK(state.rejected_version == 8);
  CHECK(state.last_error == report.error);
  CHECK(state.syncs_rejected == 1);
  CHECK(state.consecutive_failures == 0);  // the manager answered: not a failure to back off from
  const std::string status = status_of(project);
  CHECK(status.find("\"version\":7") != std::string::npos);
  CHECK(status.find("\"last_result\":\"rejected\"") != std::string::npos);
  CHECK(status.find("\"rejected_version\":8") != std::string::npos);
  CHECK(status.find("version 8 rejected") != std::string::npos);

  // The same version again: not fetched again, a heartbeat instead.
  const auto listed = manager.request_count(Endpoint::kRedirects);
  const auto heartbeats = manager.heartbeats().size();
  live.loop().request_sync_now();
  REQUIRE(manager.wait_for_heartbeats(heartbeats + 1, 20s));
  REQUIRE(eventually([&] { return project->status.get().syncs_rejected == 2; }));
  CHECK(manager.request_count(Endpoint::kRedirects) == listed);
  CHECK(manager.reports().size() == 2);
  CHECK(project->status.get().rejected_version == 8);
  CHECK(flecto::to_text(project->status.get().last_result) == "rejected");

  // Version 9 is good: served, snapshotted, reported; the rejection is over.
  manager.set_rules(good_rules(9));
  live.loop().request_sync_now();
  REQUIRE(manager.wait_for_reports(3, 20s));
  CHECK(manager.reports()[2].version == 9);
  CHECK(manager.reports()[2].status == "success");
  CHECK(served_version(project->served) == 9);
  CHECK(target_of(project->served, "/old/9") == "/new/9");
  CHECK(flecto::read_snapshot(dir.path()) == good_rules(9));
  state = project->status.get();
  CHECK(flecto::to_text(state.last_result) == "success");
  CHECK(state.rejected_version == 0);
  CHECK(state.last_error.empty());
  CHECK(status_of(project).find("\"rejected_version\":null") != std::string::npos);
}

TEST_CASE("strict versions: skip, the default, still serves a version without its invalid rules", "[threads]") {
  StandinManager manager(standin_options(), with_invalid_rule(8));
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(standin_config(manager, dir.path()), served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  CHECK(served_version(served) == 8);
  CHECK(target_of(served, "/old/8") == "/new/8");
  CHECK_THAT(manager.reports()[0].error, Catch::StartsWith("1 rule skipped; first: redirect #3 \"/gone\""));
  CHECK(flecto::read_snapshot(dir.path()) == with_invalid_rule(8));
  CHECK(status.get().rejected_version == 0);
  CHECK(flecto::to_text(status.get().last_result) == "success");
}

TEST_CASE("strict versions: with nothing served, a rejected version leaves the agent serving nothing", "[threads]") {
  StandinManager manager(standin_options(), with_invalid_rule(4));
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  auto config = standin_config(manager, dir.path());
  config.on_invalid_rules = InvalidRules::kReject;
  StandinLoop live(config, served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  CHECK(served.current() == nullptr);
  const auto report = manager.reports()[0];
  CHECK(report.version == 4);  // the manager refuses 0: the rejected version, with status error
  CHECK(report.status == "error");
  CHECK_THAT(report.error, Catch::StartsWith("version 4 rejected (on_invalid_rules = reject), serving nothing: "));
  CHECK_FALSE(flecto::read_snapshot(dir.path()).has_value());
  CHECK(status.get().rejected_version == 4);
}

TEST_CASE("strict versions: a snapshot with an invalid rule is not served under reject, the sync goes on",
          "[threads]") {
  TempDir dir;
  flecto::write_snapshot(dir.path(), with_invalid_rule(5));
  {  // The manager is down: nothing is served (skip would serve the snapshot).
    flecto::test::RefusingPort down;
    StandinManager unused(standin_options(), good_rules(1));
    auto config = standin_config(unused, dir.path());
    config.manager_url = down.url();
    config.on_invalid_rules = InvalidRules::kReject;
    flecto::ServedTable served;
    flecto::SyncStatus status;
    StandinLoop live(config, served, status);
    REQUIRE(eventually([&] { return status.get().syncs_error >= 1; }));
    CHECK(served.current() == nullptr);
    CHECK(flecto::to_text(status.get().table_source) == "none");
  }
  {  // The manager has a good version: served, and it replaces the snapshot.
    StandinManager manager(standin_options(), good_rules(6));
    auto config = standin_config(manager, dir.path());
    config.on_invalid_rules = InvalidRules::kReject;
    flecto::ServedTable served;
    flecto::SyncStatus status;
    StandinLoop live(config, served, status);
    REQUIRE(manager.wait_for_reports(1, 20s));
    CHECK(served_version(served) == 6);
    CHECK(flecto::read_snapshot(dir.path()) == good_rules(6));
  }
  {  // Skip serves the same kind of snapshot at start.
    flecto::write_snapshot(dir.path(), with_invalid_rule(5));
    flecto::test::RefusingPort down;
    StandinManager unused(standin_options(), good_rules(1));
    auto config = standin_config(unused, dir.path());
    config.manager_url = down.url();
    flecto::ServedTable served;
    flecto::SyncStatus status;
    StandinLoop live(config, served, status);
    REQUIRE(eventually([&] { return status.get().syncs_error >= 1; }));
    CHECK(served_version(served) == 5);
  }
}

TEST_CASE("strict versions: --sync-once rejects with exit status 5 and keeps the snapshot", "[threads]") {
  StandinManager manager(standin_options(), good_rules(7));
  TempDir dir;
  auto config = standin_config(manager, dir.path());
  config.on_invalid_rules = InvalidRules::kReject;
  std::ostringstream out, err;
  REQUIRE(flecto::run_sync_once(config, false, false, out, err) == flecto::kExitOk);
  manager.set_rules(with_invalid_rule(8));
  std::ostringstream out2, err2;
  CHECK(flecto::run_sync_once(config, false, false, out2, err2) == flecto::kExitInvalidData);
  CHECK(out2.str().empty());
  CHECK(err2.str() ==
        "flecto-agent: sync-once: version 8 rejected (on_invalid_rules = reject), serving version 7 as before: 1 "
        "invalid rule; first: redirect #3 \"/gone\": unknown status \"GONE\"\n");
  CHECK(flecto::read_snapshot(dir.path()) == good_rules(7));
  REQUIRE(manager.reports().size() == 2);
  CHECK(manager.reports()[1].version == 7);  // the snapshot's
  CHECK(manager.reports()[1].status == "error");
  // Skip, the same version: served and written, exit 0.
  config.on_invalid_rules = InvalidRules::kSkip;
  std::ostringstream out3, err3;
  CHECK(flecto::run_sync_once(config, false, false, out3, err3) == flecto::kExitOk);
  CHECK(flecto::read_snapshot(dir.path()) == with_invalid_rule(8));
}

TEST_CASE("strict versions: redirects_limit and pages_limit reach the manager as each listing's limit",
          "[threads]") {
  flecto::Rules rules = good_rules(3);
  for (int i = 0; i < 20; ++i) rules.redirects.push_back({"BASIC", "/r/" + std::to_string(i), "/t", "FOUND"});
  for (int i = 0; i < 6; ++i) rules.pages.push_back({"BASIC", "/p/" + std::to_string(i), "x", "TEXT_PLAIN"});
  StandinManager manager(standin_options(), rules);
  TempDir dir;
  auto config = standin_config(manager, dir.path());
  config.listing_limits = flecto::ListingLimits(7, 3);
  flecto::ManagerClient client(flecto::manager_settings_from(config));
  const flecto::Load load =
      flecto::load_from_manager(client, client.get_version(), config.listing_limits, {}, {},
                                {"", flecto::kSnapshotFileName, true});
  CHECK(load.rules == rules);
  const auto redirects = manager.limits_asked(Endpoint::kRedirects);
  const auto pages = manager.limits_asked(Endpoint::kPages);
  CHECK(redirects.size() >= 4);  // 22 redirects at 7 a page
  CHECK(pages.size() >= 3);      // 7 pages at 3 a page
  for (const auto& limit : redirects) CHECK(limit == "7");
  for (const auto& limit : pages) CHECK(limit == "3");
}
