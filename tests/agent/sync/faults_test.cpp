// Faults from the manager (issue 5), against the stand-in manager with the
// real ManagerClient and SyncLoop: for each fault the agent keeps serving the
// last good table, says `error` with a useful message (and tells the manager
// when it answered at all), and recovers by itself once the fault ends.
//
// Cases that already had tests elsewhere are not repeated here (see
// sync_standin_test.cpp, "every failure leaves the served table as it was";
// manager_client_test.cpp; sync_loop_test.cpp).

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "agent/sync/load.hpp"
#include "agent/manager/client.hpp"
#include "agent/sync/snapshot.hpp"
#include "support/reference_matcher.hpp"
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
using flecto::test::StandinLoop;
using flecto::test::TempDir;

namespace {

// `n` BASIC redirects and a page, all named after the version, so that a
// table shows which version it holds.
flecto::Rules rules_v(std::int64_t version, int n = 120) {
  flecto::Rules rules;
  rules.version = version;
  for (int i = 0; i < n; ++i) {
    rules.redirects.push_back({"BASIC", "/v" + std::to_string(version) + "/" + std::to_string(i),
                               "/to/" + std::to_string(i), "FOUND"});
  }
  rules.pages.push_back({"BASIC", "/robots.txt", "v" + std::to_string(version), "TEXT_PLAIN"});
  return rules;
}

Fault with_body(Fault::Body body) {
  Fault f;
  f.body = body;
  return f;
}

// A 200 answer with this exact body.
Fault answer_200(std::string body, std::string content_type = "application/json") {
  Fault f;
  f.status = 200;
  f.status_body = std::move(body);
  f.status_content_type = std::move(content_type);
  return f;
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// One fault, and what the agent must say about it.
struct Round {
  std::string name;
  Fault fault;
  std::string message;  // a part of status' last_error (and of the report)
  bool reported;        // the manager answered, so it is told of the failure
};

// The faults every GET endpoint is put through.
std::vector<Round> http_rounds(Endpoint endpoint) {
  const bool listing = endpoint != Endpoint::kVersion;
  const std::string malformed = listing ? "malformed JSON" : "malformed version";
  std::vector<Round> rounds;
  for (int code : {401, 403, 404, 500, 502}) {
    rounds.push_back({"HTTP " + std::to_string(code), Fault::http_error(code, "no such luck"),
                      "HTTP " + std::to_string(code) + " (the manager says \"no such luck\")", listing});
  }
  rounds.push_back({"an HTML error page", Fault::html_error(502), "HTTP 502", listing});
  rounds.push_back({"an empty error", Fault::empty_error(503), "HTTP 503", listing});
  rounds.push_back({"an empty 200", answer_200(""), malformed, listing});
  rounds.push_back({"an HTML 200", answer_200("<html><body>Welcome to nginx!</body></html>", "text/html"),
                    malformed, listing});
  rounds.push_back({"a body cut in the middle", with_body(Fault::Body::kCutInMiddle), "connection closed", false});
  Fault endless = with_body(Fault::Body::kEndless);
  endless.endless_for = 5s;
  // A version is a few bytes: its bound is 64 KiB; a listing's is
  // max_body_bytes (256 MiB), so sync_timeout ends it first.
  rounds.push_back({"a body that never ends", endless, listing ? "timed out after" : "larger than 65536 bytes", false});
  return rounds;
}

// A loop that has loaded version 1 from a fresh stand-in; rounds of faults
// then each publish the next version.
struct Rig {
  StandinManager manager{standin_options(), rules_v(1)};
  TempDir dir;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  flecto::Config config;
  std::unique_ptr<StandinLoop> live;
  std::int64_t version = 1;

  explicit Rig(const std::function<void(flecto::Config&)>& adjust = {}) {
    config = flecto::test::standin_config(manager, dir.path());
    if (adjust) adjust(config);
    // Bounds the body that never ends, and the backoff (so that recovery
    // comes by itself within a couple of seconds).
    config.sync_timeout = 1500ms;
    config.interval_check = 2s;
    live = std::make_unique<StandinLoop>(config, served, status);
    REQUIRE(manager.wait_for_reports(1, 20s));
    REQUIRE(served_version(served) == 1);
  }

  // Publishes the next version with `round`'s fault on `endpoint`: the
  // table stays, the error is said (and reported); then the fault ends and
  // the next version is loaded without being asked.
  void fail_then_recover(Endpoint endpoint, const Round& round) {
    INFO(round.name << " on " << flecto::standin::to_string(endpoint));
    auto table = served.current();
    const std::uint64_t errors = status.get().syncs_error;
    const std::size_t reports = manager.reports().size();
    manager.set_fault(endpoint, round.fault);
    manager.set_rules(rules_v(version + 1));
    live->loop().request_sync_now();
    REQUIRE(eventually([&] { return status.get().syncs_error > errors; }));
    CHECK(served.current() == table);
    CHECK(flecto::read_snapshot_version(dir.path()) == version);
    flecto::SyncState state = status.get();
    CHECK(flecto::to_text(state.last_result) == "error");
    CHECK_THAT(state.last_error, Catch::Contains(round.message));
    CHECK_THAT(state.last_error, !Catch::Contains(standin_options().token));
    if (round.reported) {
      REQUIRE(eventually([&] { return manager.reports().size() > reports; }));
      flecto::standin::Report report = manager.reports()[reports];
      CHECK(report.version == version);
      CHECK(report.status == "error");
      CHECK_THAT(report.error, Catch::Contains(round.message));
    }
    manager.clear_faults();
    ++version;
    CHECK(eventually([&] { return served_version(served) == version; }));
    CHECK(eventually([&] { return flecto::to_text(status.get().last_result) == "success"; }));
    CHECK(status.get().last_error.empty());
    CHECK(eventually([&] { return flecto::read_snapshot_version(dir.path()) == version; }));
    CHECK(eventually([&] {
      auto all = manager.reports();
      return !all.empty() && all.back().version == version && all.back().status == "success";
    }));
  }

  // Publishes the next version with `endpoint` answering `body` (200), waits
  // until it is served and ends the fault. Returns the version's report.
  flecto::standin::Report load_answer(Endpoint endpoint, const std::string& body) {
    const std::size_t reports = manager.reports().size();
    manager.set_fault(endpoint, answer_200(body));
    manager.set_rules(rules_v(version + 1));
    live->loop().request_sync_now();
    REQUIRE(eventually([&] { return served_version(served) == version + 1; }));
    ++version;
    REQUIRE(eventually([&] { return manager.reports().size() > reports; }));
    manager.clear_faults();
    CHECK(flecto::to_text(status.get().last_result) == "success");
    return manager.reports()[reports];
  }

  std::string location(const std::string& uri) const {
    auto match = served.current()->match_redirect("example.com", uri);
    return match ? match->target : std::string("(none)");
  }
};

std::string redirect_json(const std::string& source, const std::string& extra = "") {
  return R"({"type":"BASIC","source":")" + source + R"(","target":"/t)" + source + R"(","status":"FOUND")" +
         extra + "}";
}

// The faults of the report and heartbeat endpoints, whose answers are
// bounded to 64 KiB.
std::vector<Round> report_rounds() {
  std::vector<Round> rounds;
  for (int code : {401, 403, 404, 500, 502}) {
    rounds.push_back({"HTTP " + std::to_string(code), Fault::http_error(code, "no such luck"),
                      "HTTP " + std::to_string(code), false});
  }
  rounds.push_back({"an HTML error page", Fault::html_error(502), "HTTP 502", false});
  rounds.push_back({"an empty error", Fault::empty_error(500), "HTTP 500", false});
  rounds.push_back({"a body cut in the middle", with_body(Fault::Body::kCutInMiddle), "connection closed", false});
  Fault endless = with_body(Fault::Body::kEndless);
  endless.endless_for = 5s;
  rounds.push_back({"a body that never ends", endless, "larger than 65536 bytes", false});
  return rounds;
}

// One request of the client to `endpoint`, its answer dropped.
void call(flecto::ManagerClient& client, Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kVersion: client.get_version(); break;
    case Endpoint::kRedirects: client.list_redirects(50); break;
    case Endpoint::kPages: client.list_pages(50); break;
    case Endpoint::kAgents: client.report_load({"edge-faults", 3, true, 1ms, ""}); break;
    default: client.heartbeat("edge-faults"); break;
  }
}

// `endpoint` answers with `endless`: the client gives up at 64 KiB, as
// invalid data, and the endpoint then behaves again.
void check_refused_past_64k(StandinManager& manager, flecto::ManagerClient& client, Endpoint endpoint,
                            const Fault& endless) {
  manager.set_fault(endpoint, endless);
  try {
    call(client, endpoint);
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.kind() == ManagerError::Kind::kInvalidData);
    CHECK_THAT(e.what(), Catch::Contains("larger than 65536 bytes"));
  }
  manager.clear_faults();
}

}  // namespace

TEST_CASE("sync with the stand-in: the version check's HTTP errors, error pages and broken bodies", "[threads]") {
  Rig rig;
  for (const Round& round : http_rounds(Endpoint::kVersion)) rig.fail_then_recover(Endpoint::kVersion, round);
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: the redirects listing's HTTP errors, error pages and broken bodies", "[threads]") {
  Rig rig;
  for (const Round& round : http_rounds(Endpoint::kRedirects)) rig.fail_then_recover(Endpoint::kRedirects, round);
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: the pages listing's HTTP errors, error pages and broken bodies", "[threads]") {
  Rig rig;
  for (const Round& round : http_rounds(Endpoint::kPages)) rig.fail_then_recover(Endpoint::kPages, round);
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: a failing report is retried in place of the heartbeat until taken", "[threads]") {
  Rig rig;
  for (const Round& round : report_rounds()) {
    INFO(round.name);
    const std::size_t reports = rig.manager.reports().size();
    rig.manager.set_fault(Endpoint::kAgents, round.fault);
    rig.manager.set_rules(rules_v(++rig.version));
    rig.live->loop().request_sync_now();
    // The load itself succeeds: the new table is served and kept on disk.
    REQUIRE(eventually([&] { return served_version(rig.served) == rig.version; }));
    CHECK(eventually([&] { return flecto::read_snapshot_version(rig.dir.path()) == rig.version; }));
    // The next check tries the report again and says why it failed.
    const std::uint64_t errors = rig.status.get().syncs_error;
    rig.live->loop().request_sync_now();
    REQUIRE(eventually([&] { return rig.status.get().syncs_error > errors; }));
    CHECK(flecto::to_text(rig.status.get().last_result) == "error");
    // Named as the report it is, not as a heartbeat.
    CHECK_THAT(rig.status.get().last_error, Catch::StartsWith("report: ") && Catch::Contains(round.message));
    CHECK(served_version(rig.served) == rig.version);
    // (A body cut or endless comes after the stand-in took the report.)
    if (round.fault.status != 0) CHECK(rig.manager.reports().size() == reports);
    rig.manager.clear_faults();
    REQUIRE(eventually([&] { return rig.manager.reports().size() > reports; }));
    CHECK(rig.manager.reports().back().version == rig.version);
    CHECK(rig.manager.reports().back().status == "success");
    CHECK(eventually([&] { return flecto::to_text(rig.status.get().last_result) == "unchanged"; }));
  }
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: a failing heartbeat is an error until the manager takes one", "[threads]") {
  Rig rig;
  for (const Round& round : report_rounds()) {
    INFO(round.name);
    auto table = rig.served.current();
    const std::uint64_t errors = rig.status.get().syncs_error;
    rig.manager.set_fault(Endpoint::kHit, round.fault);
    rig.live->loop().request_sync_now();
    REQUIRE(eventually([&] { return rig.status.get().syncs_error > errors; }));
    CHECK(flecto::to_text(rig.status.get().last_result) == "error");
    CHECK_THAT(rig.status.get().last_error, Catch::StartsWith("heartbeat: ") && Catch::Contains(round.message));
    CHECK(rig.served.current() == table);
    const std::size_t heartbeats = rig.manager.heartbeats().size();
    rig.manager.clear_faults();
    REQUIRE(eventually([&] { return rig.manager.heartbeats().size() > heartbeats; }));
    CHECK(eventually([&] { return flecto::to_text(rig.status.get().last_result) == "unchanged"; }));
    CHECK(rig.served.current() == table);
  }
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: a body that never ends is cut off at max_body_bytes on every endpoint", "[threads]") {
  StandinManager manager(standin_options(), rules_v(3));
  TempDir dir;
  flecto::ManagerSettings settings = flecto::manager_settings_from(flecto::test::standin_config(manager, dir.path()));
  settings.max_body_bytes = 64 << 10;
  flecto::ManagerClient client(settings);
  Fault endless = with_body(Fault::Body::kEndless);
  endless.endless_for = 20s;  // longer than the test waits: the size ends it
  for (Endpoint endpoint : {Endpoint::kVersion, Endpoint::kRedirects, Endpoint::kPages, Endpoint::kAgents,
                            Endpoint::kHit}) {
    INFO(flecto::standin::to_string(endpoint));
    check_refused_past_64k(manager, client, endpoint, endless);
  }
  CHECK(client.get_version() == 3);  // the client is usable again
}

TEST_CASE("sync with the stand-in: wrong types, missing Total, deep nesting and invalid UTF-8 are invalid data", "[threads]") {
  Rig rig;
  const std::string deep = nested_arrays(1000000);
  const std::string item = redirect_json("/a");
  std::vector<std::pair<std::string, std::string>> listings = {
      {R"({"Items":[{"type":"BASIC","source":7,"target":"/t","status":"FOUND"}],"Total":1})",
       "redirects[0].source: expected a string"},
      {R"({"Items":[{"type":"BASIC","source":"/a","target":["/t"],"status":"FOUND"}],"Total":1})",
       "redirects[0].target: expected a string"},
      {R"({"Items":{"type":"BASIC","source":"/a"},"Total":1})", "Items: expected an array"},
      {R"({"Items":[["BASIC","/a","/t","FOUND"]],"Total":1})", "redirects[0]: expected an object"},
      {R"({"Items":[],"Total":{"n":0}})", "Total: expected an integer"},
      {R"({"Items":[],"Total":"0"})", "Total: expected an integer"},
      {R"({"Items":[],"Total":0,"Next":5})", "Next: expected a string"},
      {R"({"Items":[],"Total":0,"Limit":"50"})", "Limit: expected an integer"},
      {"[" + item + "]", "expected a JSON object"},
      {"\"Items\"", "expected a JSON object"},
      {"{\"Items\":[" + item + "]}", "no Total"},
      {deep, "too deep"},
      {"{\"Items\":[" + redirect_json("/a", ",\"x\":" + deep) + "],\"Total\":1}", "too deep"},
      {"{\"Items\":[" + redirect_json("/caf\xc3\xa9-\xff\xfe") + "],\"Total\":1}", "UTF-8"},
  };
  for (const auto& [body, message] : listings) {
    rig.fail_then_recover(Endpoint::kRedirects, {"listing " + body.substr(0, 80), answer_200(body), message, true});
  }
  rig.fail_then_recover(Endpoint::kPages,
                        {"a number for content",
                         answer_200(R"({"Items":[{"type":"BASIC","path":"/p","content":5,"contentType":"XML"}],"Total":1})"),
                         "pages[0].content: expected a string", true});
  const std::string not_a_version = "version: expected a non-negative integer or a string of digits";
  std::vector<std::pair<std::string, std::string>> versions = {
      {"[3]", not_a_version},  {"3.5", not_a_version}, {"-1", not_a_version},
      {"\"3a\"", not_a_version}, {"{\"version\":3}", not_a_version}, {"true", not_a_version},
      {"null", not_a_version}, {nested_arrays(10000), "malformed version"}, {"\"\xff\"", "malformed version"},
      {deep, "larger than 65536 bytes"},
  };
  for (const auto& [body, message] : versions) {
    rig.fail_then_recover(Endpoint::kVersion, {"version " + body.substr(0, 20), answer_200(body), message, false});
  }
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: unknown fields are ignored, duplicate keys: the last one wins", "[threads]") {
  Rig rig;
  SECTION("unknown fields, in items and in the envelope") {
    auto report = rig.load_answer(
        Endpoint::kRedirects,
        "{\"Items\":[" + redirect_json("/u", R"(,"id":17,"createdAt":"2024-01-01","tags":["a",{"b":null}])") +
            R"(],"Total":1,"Limit":50,"Offset":0,"Next":"","Extra":{"deep":[1,[2,{"x":[]}]]},"page":3})");
    CHECK(report.status == "success");
    CHECK(rig.location("/u") == "/t/u");
  }
  SECTION("a duplicate key in an item") {
    auto report = rig.load_answer(
        Endpoint::kRedirects,
        R"({"Items":[{"type":"BASIC","source":"/first","source":"/second","target":"/t","status":"FOUND"}],"Total":1})");
    CHECK(report.status == "success");
    CHECK(rig.location("/second") == "/t");
    CHECK(rig.location("/first") == "(none)");
  }
  SECTION("a duplicate Items, Total or Next in the envelope") {
    auto report = rig.load_answer(Endpoint::kRedirects, "{\"Items\":[" + redirect_json("/first") + "],\"Items\":[" +
                                                            redirect_json("/second") + "],\"Total\":1}");
    CHECK(report.status == "success");
    CHECK(rig.location("/second") == "/t/second");
    CHECK(rig.location("/first") == "(none)");
    CHECK(rig.served.current()->stats().basic == 1);

    report = rig.load_answer(Endpoint::kRedirects, "{\"Items\":[" + redirect_json("/a") +
                                                       R"(],"Total":7,"Total":1,"Next":"more","Next":""})");
    CHECK(report.status == "success");
    CHECK(rig.location("/a") == "/t/a");
  }
  SECTION("missing fields in an item make it a skipped rule; null Items is an empty page") {
    auto report = rig.load_answer(
        Endpoint::kRedirects,
        R"({"Items":[{"type":"BASIC","source":"/m","target":"/t"},{"source":"/n"},)" + redirect_json("/ok") +
            R"(],"Total":3})");
    CHECK(report.status == "error");
    CHECK_THAT(report.error, Catch::StartsWith("2 rules skipped; first: redirect #1 \"/m\""));
    CHECK(rig.location("/ok") == "/t/ok");
    CHECK(rig.location("/m") == "(none)");

    report = rig.load_answer(Endpoint::kPages, R"({"Items":null,"Total":0})");
    CHECK(report.status == "success");
    CHECK(rig.served.current()->stats().pages_basic == 0);
  }
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: a source of 2 MiB is served and kept in the snapshot", "[threads]") {
  Rig rig;
  flecto::Rules rules = rules_v(2, 3);
  const std::string long_source = "/" + std::string(2 << 20, 'a');
  rules.redirects.push_back({"BASIC", long_source, "/long", "MOVED_PERMANENT"});
  rig.manager.set_rules(rules);
  rig.live->loop().request_sync_now();
  REQUIRE(eventually([&] { return served_version(rig.served) == 2; }));
  CHECK(rig.location(long_source) == "/long");
  CHECK(rig.location(long_source + "a") == "(none)");
  REQUIRE(rig.manager.wait_for_reports(2, 20s));  // sent after the snapshot is written
  CHECK(rig.manager.reports()[1].status == "success");
  auto on_disk = flecto::read_snapshot(rig.dir.path());
  REQUIRE(on_disk.has_value());
  CHECK(on_disk->version == 2);
  REQUIRE(on_disk->redirects.size() == rules.redirects.size());
  CHECK(on_disk->redirects.back().source.size() == long_source.size());
  CHECK(*on_disk == rules);
}

TEST_CASE("sync with the stand-in: a snapshot of 1,000,000 nested arrays or invalid UTF-8 is ignored at start", "[threads]") {
  for (const std::string& garbage : {nested_arrays(1000000), std::string("{\"version\":3,\"redirects\":[{\"source\":\"/\xff\"}]}")}) {
    TempDir dir;
    { std::ofstream(dir / "snapshot.json", std::ios::binary) << garbage; }
    CHECK_THROWS_AS(flecto::read_snapshot(dir.path()), flecto::SnapshotError);
    StandinManager manager(standin_options(), rules_v(4));
    flecto::ServedTable served;
    flecto::SyncStatus status;
    StandinLoop live(flecto::test::standin_config(manager, dir.path()), served, status);
    REQUIRE(manager.wait_for_reports(1, 20s));
    CHECK(served_version(served) == 4);
    CHECK(flecto::read_snapshot(dir.path()) == rules_v(4));  // replaced by the load
    CHECK(live.stop());
  }
}

TEST_CASE("sync with the stand-in: listings that lie about Total or their cursors", "[threads]") {
  Rig rig;  // 120 redirects and 1 page, 50 per page
  auto lie = [](std::int64_t total_delta, Fault::Paging paging = Fault::Paging::kHonest) {
    Fault f;
    f.total_delta = total_delta;
    f.paging = paging;
    return f;
  };
  std::vector<Round> rounds = {
      {"Total too high", lie(5), "a page with no items while Total says 125 and only 120 came", true},
      {"Total far too high", lie(1000000000), "a page with no items while Total says 1000000120", true},
      {"Total too low", lie(-5), "more items (120) than Total (115)", true},
      {"Total 0", lie(-120), "more items (50) than Total (0)", true},
      {"a negative Total", lie(-121), "negative Total -1", true},
      {"a cursor that repeats", lie(0, Fault::Paging::kRepeatCursor), "the manager gave the same Next cursor twice",
       true},
      {"a cursor that is ignored", lie(0, Fault::Paging::kIgnoreOffset),
       "the manager gave the same Next cursor twice", true},
      {"an endless cursor", lie(0, Fault::Paging::kEndlessCursor), "more items (150) than Total (120)", true},
      {"empty pages", lie(0, Fault::Paging::kEmptyPages), "a page with no items while Total says 120 and only 50 came", true},
  };
  for (const Round& round : rounds) rig.fail_then_recover(Endpoint::kRedirects, round);
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: a version that moves on every request", "[threads]") {
  Rig rig;
  Fault moving;
  moving.version = Fault::Version::kEveryRequest;
  const std::uint64_t listings = rig.manager.request_count(Endpoint::kRedirects);
  rig.fail_then_recover(Endpoint::kVersion,
                        {"the version moves", moving, "the version moved during each of 3 fetches", true});
  // Three whole attempts, then one that succeeded once the version stood still.
  CHECK(rig.manager.request_count(Endpoint::kRedirects) >= listings + 3 * 3 + 3);
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: 1,000 invalid regexes among valid rules", "[threads]") {
  Rig rig;
  flecto::Rules rules;
  rules.version = 2;
  for (int i = 0; i < 1000; ++i) {
    std::string n = std::to_string(i);
    rules.redirects.push_back({"BASIC", "/b/" + n, "/to/b/" + n, "FOUND"});
    rules.redirects.push_back({"REGEX", "^/bad/" + n + "/(unclosed", "/x", "FOUND"});
    rules.redirects.push_back({"REGEX", "^/re/" + n + "/(.*)$", "/to/re/" + n + "/$1", "FOUND"});
  }
  rig.manager.set_rules(rules);
  rig.live->loop().request_sync_now();
  REQUIRE(rig.manager.wait_for_reports(2, 20s));
  auto report = rig.manager.reports()[1];
  CHECK(report.version == 2);
  CHECK(report.status == "error");
  CHECK_THAT(report.error, Catch::StartsWith("1000 rules skipped; first: redirect #2 \"^/bad/0/(unclosed\""));
  REQUIRE(served_version(rig.served) == 2);
  auto stats = rig.served.current()->stats();
  CHECK(stats.basic == 1000);
  CHECK(stats.regex == 1000);
  CHECK(stats.skipped == 1000);
  CHECK(flecto::to_text(rig.status.get().last_result) == "success");
  for (int i : {0, 1, 499, 999}) {
    std::string n = std::to_string(i);
    CHECK(rig.location("/b/" + n) == "/to/b/" + n);
    CHECK(rig.location("/re/" + n + "/tail") == "/to/re/" + n + "/tail");
    CHECK(rig.location("/bad/" + n + "/(unclosed") == "(none)");
  }
  CHECK(flecto::read_snapshot(rig.dir.path()) == rules);  // kept as received
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: regexes that do not fit the memory budget still match correctly", "[threads]") {
  // regex_memory_mb = 0: no set fits its share, so sets are split down to
  // single rules run on their own; the answers must not change.
  Rig rig([](flecto::Config& config) { config.regex_memory_mb = 0; });
  flecto::Rules rules;
  rules.version = 2;
  for (int i = 0; i < 120; ++i) {
    std::string n = std::to_string(i);
    // No literal prefix: every rule is a candidate for every input.
    rules.redirects.push_back({"REGEX", "(?i)[a-z]+/k" + n + "/([0-9]+)(/[a-z]{1,40})*$", "/to/" + n + "/$1", "FOUND"});
    rules.redirects.push_back({"REGEX_HOST", "(a|b|c|d|e|f)+\\.example\\.com/h" + n + "/(.*)", "/host/" + n + "/$2",
                               "MOVED_PERMANENT"});
  }
  rules.redirects.push_back({"REGEX", "([a-z0-9]+-){1,5}[a-z]{100,200}$", "/long", "FOUND"});
  rig.manager.set_rules(rules);
  rig.live->loop().request_sync_now();
  REQUIRE(rig.manager.wait_for_reports(2, 20s));
  CHECK(rig.manager.reports()[1].status == "success");
  REQUIRE(served_version(rig.served) == 2);
  flecto::test::ReferenceMatcher reference(rules);
  std::vector<std::pair<std::string, std::string>> inputs;
  for (int i = 0; i < 120; i += 9) {
    std::string n = std::to_string(i);
    inputs.push_back({"example.com", "/Abc/k" + n + "/123/x/yy"});
    inputs.push_back({"example.com", "/abc/k" + n + "/12a"});
    inputs.push_back({"abcabc.example.com", "/h" + n + "/rest"});
    inputs.push_back({"zz.example.com", "/h" + n + "/rest"});
  }
  inputs.push_back({"example.com", "/x/ab-cd-" + std::string(150, 'q')});
  inputs.push_back({"example.com", "/x/ab-cd-" + std::string(50, 'q')});
  for (const auto& [host, uri] : inputs) {
    INFO(host << uri);
    auto expected = reference.match_redirect(host, uri);
    auto got = rig.served.current()->match_redirect(host, uri);
    REQUIRE(got.has_value() == expected.has_value());
    if (got) CHECK(got->target == expected->target);
  }
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: a skipped rule with a 2 MiB source is named briefly", "[threads]") {
  Rig rig;
  flecto::Rules rules = rules_v(2, 3);
  const std::string long_source = "^/" + std::string(2 << 20, 'a') + "(";  // does not compile
  rules.redirects.push_back({"REGEX", long_source, "/long", "FOUND"});
  rig.manager.set_rules(rules);
  rig.live->loop().request_sync_now();
  REQUIRE(rig.manager.wait_for_reports(2, 20s));
  auto report = rig.manager.reports()[1];
  CHECK(report.version == 2);
  CHECK(report.status == "error");
  CHECK_THAT(report.error, Catch::StartsWith("1 rule skipped; first: redirect #4 \"^/aaaa"));
  CHECK(report.error.size() <= 1024);
  CHECK(rig.location("/v2/0") == "/to/0");
}

TEST_CASE("sync with the stand-in: a long error message from the manager is shortened to valid UTF-8", "[threads]") {
  Rig rig;
  // 1 + 2 * 400 bytes: cut at any even length, it would split a character.
  std::string message = "x";
  for (int i = 0; i < 400; ++i) message += "\xc3\xa9";  // é
  rig.fail_then_recover(Endpoint::kPages, {"a long message", Fault::http_error(500, message), "xéé", true});
  // The report of the failure is valid JSON, or the stand-in (like any
  // strict parser) would have refused it: fail_then_recover saw it arrive.
  auto reports = rig.manager.reports();
  for (const auto& report : reports) CHECK(report.error.size() <= 2048);
  CHECK(rig.live->stop());
}

TEST_CASE("sync with the stand-in: an endless answer to a version check, report or heartbeat stops at 64 KiB", "[threads]") {
  // max_body_bytes stays at its default (256 MiB): that bound is for
  // listings; these answers are a few bytes.
  StandinManager manager(standin_options(), rules_v(3));
  TempDir dir;
  flecto::ManagerClient client(flecto::manager_settings_from(flecto::test::standin_config(manager, dir.path())));
  Fault endless = with_body(Fault::Body::kEndless);
  endless.endless_for = 3s;  // then the stand-in closes the connection: unreachable, not this bound
  for (Endpoint endpoint : {Endpoint::kVersion, Endpoint::kAgents, Endpoint::kHit}) {
    INFO(flecto::standin::to_string(endpoint));
    check_refused_past_64k(manager, client, endpoint, endless);
  }
  // An error page is still read to its status.
  manager.set_fault(Endpoint::kVersion, Fault::http_error(500, std::string(100000, 'x')));
  CHECK_THROWS_WITH(client.get_version(), Catch::Contains("HTTP 500"));
}
