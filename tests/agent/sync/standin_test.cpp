// The sync (fetch, loop, snapshot, reports, --sync-once) against the
// stand-in manager over loopback, with the real ManagerClient.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "agent/sync/fetch_rules.hpp"
#include "agent/sync/load.hpp"
#include "agent/manager/client.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/loop.hpp"
#include "agent/sync/once.hpp"
#include "tests/agent/sync/fakes.hpp"
#include "tests/agent/sync/standin_support.hpp"
#include "tests/standin_manager/standin_manager.hpp"

using namespace std::chrono_literals;
using flecto::ManagerError;
using flecto::standin::Endpoint;
using flecto::standin::Fault;
using flecto::standin::StandinManager;
using flecto::test::eventually;
using flecto::test::served_version;
using flecto::test::standin_options;
using flecto::test::standin_config;
using flecto::test::StandinLoop;
using flecto::test::TempDir;

namespace {

flecto::Rules mixed_rules(std::int64_t version, std::size_t redirects, std::size_t pages = 3) {
  flecto::Rules rules;
  rules.version = version;
  static const char* kTypes[] = {"BASIC", "BASIC_HOST", "REGEX", "REGEX_HOST"};
  for (std::size_t i = 0; i < redirects; ++i) {
    std::string type = kTypes[i % 4];
    std::string source = (i % 4 == 1 || i % 4 == 3) ? "example.com/r/" : "/r/";
    source += std::to_string(version) + "/" + std::to_string(i);
    if (i % 4 >= 2) source = "^" + source + "/(.*)$";
    rules.redirects.push_back({type, source, "/to/" + std::to_string(i) + (i % 4 >= 2 ? "/$1" : ""),
                               i % 2 ? "FOUND" : "MOVED_PERMANENT"});
  }
  for (std::size_t i = 0; i < pages; ++i) {
    rules.pages.push_back({i % 2 ? "BASIC_HOST" : "BASIC",
                           (i % 2 ? "example.com/p/" : "/p/") + std::to_string(i),
                           "page " + std::to_string(i) + " \"quoted\"\n", i % 2 ? "XML" : "TEXT_PLAIN"});
  }
  return rules;
}

struct OnceRun {
  int status;
  std::string out, err;
};

OnceRun sync_once(const flecto::Config& config, bool force = false) {
  std::ostringstream out, err;
  int status = flecto::run_sync_once(config, force, false, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("sync with the stand-in: both key casings, both version forms, cursor and offset paging", "[threads]") {
  flecto::Rules rules = mixed_rules(12, 333, 17);
  for (bool lower : {false, true}) {
    for (bool as_string : {false, true}) {
      for (bool next : {true, false}) {
        auto options = standin_options();
        options.lower_case_keys = lower;
        options.version_as_string = as_string;
        options.send_next = next;
        StandinManager manager(options, rules);
        TempDir dir;
        flecto::ManagerClient client(flecto::manager_settings_from(standin_config(manager, dir.path())));
        INFO("lower-case keys " << lower << ", version as string " << as_string << ", Next " << next);
        flecto::Load load = flecto::load_from_manager(client, client.get_version(), 10, {}, {}, {"", flecto::kSnapshotFileName, true});
        CHECK(load.rules == rules);
        CHECK(load.built.skipped.empty());
        CHECK(load.built.table->version() == 12);
        CHECK(manager.request_count(Endpoint::kRedirects) >= 34);
      }
    }
  }
}

TEST_CASE("sync with the stand-in: a version published mid-sync gives one whole version", "[threads]") {
  StandinManager manager(standin_options(), mixed_rules(1, 120));
  TempDir dir;
  // Published just before the second page of redirects is answered.
  manager.publish_at(Endpoint::kRedirects, 2, mixed_rules(2, 80));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(standin_config(manager, dir.path()), served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  CHECK(served_version(served) == 2);
  auto stats = served.current()->stats();
  CHECK(stats.basic + stats.basic_host + stats.regex + stats.regex_host == 80);
  CHECK(flecto::read_snapshot(dir.path()) == mixed_rules(2, 80));
  CHECK(manager.reports()[0].version == 2);
}

TEST_CASE("sync with the stand-in: reports carry version, status, load_duration, heartbeats follow", "[threads]") {
  StandinManager manager(standin_options(), mixed_rules(7, 40));
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  auto config = standin_config(manager, dir.path());
  config.interval_check = 20ms;
  StandinLoop live(config, served, status);
  REQUIRE(manager.wait_for_heartbeats(2, 20s));
  auto reports = manager.reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].name == "edge-standin");
  CHECK(reports[0].type == "default");
  CHECK(reports[0].version == 7);
  CHECK(reports[0].status == "success");
  CHECK(reports[0].error.empty());
  CHECK(reports[0].load_duration == status.get().last_load_duration.count());
  CHECK(reports[0].load_duration > 0);
  CHECK(manager.heartbeats()[0] == "edge-standin");
  CHECK(manager.request_count(Endpoint::kRedirects) == 1);

  // Skipped rules: an error report counting them and naming the first.
  flecto::Rules bad = mixed_rules(8, 4);
  bad.redirects.push_back({"BASIC", "/old", "/new", "GONE"});
  bad.redirects.push_back({"REGEX", "/(unclosed", "/new", "FOUND"});
  manager.set_rules(bad);
  REQUIRE(manager.wait_for_reports(2, 20s));
  auto report = manager.reports()[1];
  CHECK(report.version == 8);
  CHECK(report.status == "error");
  CHECK_THAT(report.error, Catch::StartsWith("2 rules skipped; first: redirect #5 \"/old\": ") &&
                               Catch::Contains("GONE"));
  CHECK(served_version(served) == 8);
}

TEST_CASE("sync with the stand-in: every failure leaves the served table as it was", "[threads]") {
  struct Case {
    std::string name;
    Endpoint endpoint;
    Fault fault;
    bool reported;  // the manager answered, so it hears of the failure
  };
  auto with_body = [](Fault::Body body) {
    Fault f;
    f.body = body;
    return f;
  };
  auto with_paging = [](Fault::Paging paging) {
    Fault f;
    f.paging = paging;
    return f;
  };
  Fault slow;
  slow.delay = 3s;
  std::vector<Case> cases;
  for (Endpoint endpoint : {Endpoint::kVersion, Endpoint::kRedirects, Endpoint::kPages}) {
    for (int code : {401, 403, 404, 500}) {
      cases.push_back({"HTTP " + std::to_string(code), endpoint, Fault::http_error(code, "no"),
                       endpoint != Endpoint::kVersion});
    }
    cases.push_back({"slow", endpoint, slow, false});
    cases.push_back({"cut mid-body", endpoint, with_body(Fault::Body::kCutInMiddle), false});
    cases.push_back({"malformed JSON", endpoint, with_body(Fault::Body::kMalformedJson), endpoint != Endpoint::kVersion});
  }
  for (Endpoint endpoint : {Endpoint::kRedirects, Endpoint::kPages}) {
    // (A truncated version "3\n" is "3": still a valid answer.)
    cases.push_back({"truncated JSON", endpoint, with_body(Fault::Body::kTruncatedJson), true});
  }
  for (Endpoint endpoint : {Endpoint::kRedirects, Endpoint::kPages}) {
    cases.push_back({"empty pages", endpoint, with_paging(Fault::Paging::kEmptyPages), true});
    cases.push_back({"endless cursor", endpoint, with_paging(Fault::Paging::kEndlessCursor), true});
  }
  for (const Case& c : cases) {
    StandinManager manager(standin_options(), mixed_rules(3, 120, 120));
    TempDir dir;
    flecto::ServedTable served;
    flecto::SyncStatus status;
    auto config = standin_config(manager, dir.path());
    config.read_timeout = 500ms;
    StandinLoop live(config, served, status);
    REQUIRE(manager.wait_for_reports(1, 20s));
    auto table = served.current();
    REQUIRE(table->version() == 3);

    INFO(c.name << " on " << flecto::standin::to_string(c.endpoint));
    manager.set_fault(c.endpoint, c.fault);
    manager.set_rules(mixed_rules(4, 120, 120));  // several pages of each
    live.loop().request_sync_now();
    REQUIRE(eventually([&] { return status.get().syncs_error >= 1; }));
    CHECK(served.current() == table);
    CHECK(flecto::read_snapshot_version(dir.path()) == 3);
    CHECK(flecto::to_text(status.get().last_result) == "error");
    if (c.reported) {
      REQUIRE(manager.wait_for_reports(2, 20s));
      CHECK(manager.reports()[1].version == 3);
      CHECK(manager.reports()[1].status == "error");
      CHECK_FALSE(manager.reports()[1].error.empty());
    }
    CHECK(live.stop());
    CHECK(served.current() == table);
  }
}

TEST_CASE("sync with the stand-in: the token never appears in reports, errors or status", "[threads]") {
  StandinManager manager(standin_options(), mixed_rules(3, 10));
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(standin_config(manager, dir.path()), served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  manager.set_fault(Endpoint::kPages, Fault::http_error(401, std::string("bad token ") + standin_options().token));
  manager.set_rules(mixed_rules(4, 10));
  live.loop().request_sync_now();
  REQUIRE(eventually([&] { return status.get().syncs_error >= 1; }));
  CHECK_THAT(status.get().last_error, !Catch::Contains(standin_options().token));
  for (const auto& report : manager.reports()) {
    CHECK_THAT(report.body, !Catch::Contains(standin_options().token));
  }
}

TEST_CASE("sync with the stand-in: the snapshot is used at the next start with the manager down", "[threads]") {
  TempDir dir;
  flecto::Config config;
  {
    StandinManager manager(standin_options(), mixed_rules(9, 60, 5));
    config = standin_config(manager, dir.path());
    flecto::ServedTable served;
    flecto::SyncStatus status;
    StandinLoop live(config, served, status);
    REQUIRE(manager.wait_for_reports(1, 20s));
    REQUIRE(live.stop());
  }
  CHECK(flecto::read_snapshot(dir.path()) == mixed_rules(9, 60, 5));
  flecto::test::RefusingPort down;  // the manager is down
  config.manager_url = down.url();

  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(config, served, status);
  REQUIRE(eventually([&] { return status.get().syncs_error >= 2; }));
  CHECK(served_version(served) == 9);
  CHECK(served.current()->stats().regex == 15);
  CHECK(flecto::to_text(status.get().table_source) == "snapshot");
  auto match = served.current()->match_redirect("example.com", "/r/9/0");
  REQUIRE(match.has_value());
  CHECK(match->target == "/to/0");
}

TEST_CASE("sync with the stand-in: a listing of 200,000 redirects", "[threads]") {
  // BASIC rules, with a REGEX one every 1,000: the listing is the point here.
  flecto::Rules rules;
  rules.version = 21;
  for (int i = 0; i < 200000; ++i) {
    if (i % 1000 == 7) {
      rules.redirects.push_back({"REGEX", "^/re/" + std::to_string(i) + "/(.*)$", "/to/" + std::to_string(i) + "/$1", "FOUND"});
    } else {
      rules.redirects.push_back({"BASIC", "/r/" + std::to_string(i), "/to/" + std::to_string(i), "MOVED_PERMANENT"});
    }
  }
  StandinManager manager(standin_options(), rules);
  TempDir dir;
  auto config = standin_config(manager, dir.path());
  config.listing_limits = 500;
  config.sync_timeout = 120s;  // an upper bound for a loaded machine
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(config, served, status);
  REQUIRE(manager.wait_for_reports(1, 120s));
  CHECK(manager.reports()[0].status == "success");
  CHECK(served_version(served) == 21);
  auto stats = served.current()->stats();
  CHECK(stats.basic == 199800);
  CHECK(stats.regex == 200);
  CHECK(manager.request_count(Endpoint::kRedirects) == 401);  // 400 full pages and the empty one after
  CHECK(flecto::read_snapshot(dir.path()) == rules);
  auto match = served.current()->match_redirect("example.com", "/re/199007/x");
  REQUIRE(match.has_value());
  CHECK(match->target == "/to/199007/x");
  match = served.current()->match_redirect("example.com", "/r/199999");
  REQUIRE(match.has_value());
  CHECK(match->target == "/to/199999");
}

TEST_CASE("sync with the stand-in: --sync-once exit statuses", "[threads]") {
  StandinManager manager(standin_options(), mixed_rules(5, 30));
  TempDir dir;
  auto config = standin_config(manager, dir.path());
  config.read_timeout = 500ms;

  OnceRun run = sync_once(config);
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::StartsWith("version 5: 30 redirects (8 BASIC, 8 BASIC_HOST, 7 REGEX, 7 REGEX_HOST), "
                                        "3 pages (2 BASIC, 1 BASIC_HOST), 0 skipped; load "));
  REQUIRE(manager.reports().size() == 1);
  CHECK(manager.reports()[0].version == 5);

  run = sync_once(config);  // the snapshot holds version 5
  CHECK(run.status == 0);
  CHECK(manager.heartbeats().size() == 1);
  CHECK(manager.request_count(Endpoint::kRedirects) == 1);

  manager.set_rules(mixed_rules(6, 30));
  for (int code : {401, 403, 404, 500}) {
    manager.set_fault(Endpoint::kRedirects, Fault::http_error(code, "no"));
    CHECK(sync_once(config).status == 4);
  }
  Fault malformed;
  malformed.body = Fault::Body::kMalformedJson;
  manager.set_fault(Endpoint::kPages, malformed);
  manager.set_fault(Endpoint::kRedirects, Fault{});
  CHECK(sync_once(config).status == 5);
  Fault cut;
  cut.body = Fault::Body::kCutInMiddle;
  manager.set_fault(Endpoint::kPages, cut);
  CHECK(sync_once(config).status == 3);
  Fault slow;
  slow.delay = 3s;
  manager.set_fault(Endpoint::kVersion, slow);
  CHECK(sync_once(config).status == 3);
  manager.clear_faults();
  manager.set_fault(Endpoint::kAgents, Fault::http_error(500, "no"));
  CHECK(sync_once(config).status == 4);
  CHECK(flecto::read_snapshot_version(dir.path()) == 6);  // written before the report failed
  manager.clear_faults();
  CHECK(sync_once(config, /*force=*/true).status == 0);

  auto bad_name = config;
  bad_name.agent_name = "web-1.example.com";
  CHECK(sync_once(bad_name).status == 2);
  auto bad_url = config;
  bad_url.manager_url = "ftp://example.com";
  CHECK(sync_once(bad_url).status == 2);

  flecto::test::RefusingPort down;
  config.manager_url = down.url();
  run = sync_once(config);
  CHECK(run.status == 3);
  CHECK_THAT(run.err, Catch::StartsWith("flecto-agent: sync-once: version check: ") && Catch::Contains("cannot connect"));
}

TEST_CASE("sync with the stand-in: a publish adding or removing rows mid-walk starts the fetch over", "[threads]") {
  for (std::size_t after : {std::size_t{170}, std::size_t{60}, std::size_t{20}}) {
    INFO("120 redirects, then " << after << " from the second page on");
    StandinManager manager(standin_options(), mixed_rules(1, 120));
    TempDir dir;
    flecto::ManagerClient client(flecto::manager_settings_from(standin_config(manager, dir.path())));
    manager.publish_at(Endpoint::kRedirects, 2, mixed_rules(2, after));
    flecto::Load load = flecto::load_from_manager(client, client.get_version(), 50, {}, {}, {"", flecto::kSnapshotFileName, true});
    CHECK(load.fetch_attempts == 2);
    CHECK(load.rules == mixed_rules(2, after));
  }
  // The sync loop serves it and reports success.
  StandinManager manager(standin_options(), mixed_rules(1, 120));
  manager.publish_at(Endpoint::kRedirects, 2, mixed_rules(2, 170));
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(standin_config(manager, dir.path()), served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  CHECK(served_version(served) == 2);
  CHECK(manager.reports()[0].version == 2);
  CHECK(manager.reports()[0].status == "success");
  CHECK(status.get().syncs_error == 0);
}

TEST_CASE("sync with the stand-in: after the manager's database is reset, the agent registers again", "[threads]") {
  StandinManager manager(standin_options(), mixed_rules(7, 40));
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(standin_config(manager, dir.path()), served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  live.loop().request_sync_now();
  REQUIRE(manager.wait_for_heartbeats(1, 20s));
  manager.forget_agents();
  live.loop().request_sync_now();  // heartbeat: 500 record not found, then a report
  REQUIRE(manager.wait_for_reports(2, 20s));
  auto reports = manager.reports();
  CHECK(reports[1].name == "edge-standin");
  CHECK(reports[1].version == 7);
  CHECK(reports[1].status == "success");
  CHECK(reports[1].load_duration == reports[0].load_duration);
  CHECK(reports[1].load_duration > 0);
  live.loop().request_sync_now();
  REQUIRE(manager.wait_for_heartbeats(2, 20s));
  CHECK(manager.reports().size() == 2);
  CHECK(status.get().last_result == flecto::SyncResult::kUnchanged);
  CHECK(manager.request_count(Endpoint::kRedirects) == 1);  // never loaded again
}

TEST_CASE("sync with the stand-in: --sync-once registers again with a snapshot's version", "[threads]") {
  StandinManager manager(standin_options(), mixed_rules(7, 10));
  TempDir dir;
  auto config = standin_config(manager, dir.path());
  REQUIRE(sync_once(config).status == 0);  // loads, writes the snapshot, reports
  manager.forget_agents();
  OnceRun run = sync_once(config);
  INFO(run.err);
  CHECK(run.status == 0);
  REQUIRE(manager.reports().size() == 2);
  CHECK(manager.reports()[1].version == 7);
  CHECK(manager.reports()[1].load_duration > 0);
  CHECK(sync_once(config).status == 0);
  CHECK(manager.heartbeats().size() == 1);
}

TEST_CASE("sync with the stand-in: long skipped rules still make a report the strict manager stores", "[threads]") {
  flecto::Rules rules = mixed_rules(5, 10);
  for (int i = 0; i < 3; ++i) {
    rules.redirects.push_back({"BASIC", "/" + std::string(3000, 'x') + std::to_string(i), "/t", std::string(900, 'S')});
  }
  StandinManager manager(standin_options(), rules);
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  StandinLoop live(standin_config(manager, dir.path()), served, status);
  REQUIRE(manager.wait_for_reports(1, 20s));
  auto report = manager.reports()[0];
  CHECK(report.status == "error");
  CHECK(report.error.size() <= 500);
  CHECK_THAT(report.error, Catch::StartsWith("3 rules skipped; first: redirect #11 \"/xxx"));
  CHECK(served_version(served) == 5);
}
