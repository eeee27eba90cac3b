#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <regex>
#include <thread>
#include <vector>

#include "agent/admin/metrics.hpp"
#include "tests/agent/edge/test_support.hpp"
#include "tests/agent/admin/prometheus_text_check.hpp"

using namespace flecto;
using namespace flecto::test;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

// The exposition of one project, acme/web, that gave every answer.
std::string render_one(std::shared_ptr<const Table> table, const SyncState& sync, const RequestCounts& requests) {
  return render_metrics({{"acme", "web", std::move(table), sync, requests}}, RequestCounts{}, ReloadState{});
}

// That project's labels, and `more`.
std::map<std::string, std::string> P(std::map<std::string, std::string> more = {}) {
  more.emplace("namespace", "acme");
  more.emplace("project", "web");
  return more;
}

}  // namespace

TEST_CASE("metrics: the checker refuses broken exposition text", "[metrics]") {
  CHECK_NOTHROW(parse_prometheus_text("# TYPE a counter\na 1\n"));
  CHECK_THROWS(parse_prometheus_text("a 1\n"));                              // no TYPE
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\na{x=\"1} 1\n"));     // unterminated
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\na{x=1} 1\n"));       // unquoted
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\na one\n"));          // value
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\n# TYPE b gauge\na 1\nb 1\na 2\n"));
  CHECK_THROWS(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"));
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\na 1"));              // no final LF
}

TEST_CASE("metrics: exposition before any table or request", "[metrics]") {
  RequestCounters counters;
  const auto samples = parse_prometheus_text(render_one(nullptr, SyncState{}, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_table_loaded", P()) == 0);
  CHECK(prometheus_value(samples, "flecto_agent_loaded_version", P()) == 0);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", P({{"outcome", "redirect"}, {"code", "301"}})) == 0);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_count") == 0);
  CHECK(prometheus_value(samples, "flecto_agent_last_success_sync_timestamp_seconds", P()) == 0);
  for (const auto& s : samples) CHECK(s.name.rfind("flecto_agent_", 0) == 0);
}

TEST_CASE("metrics: table, sync state and requests", "[metrics]") {
  Rules rules;
  rules.version = 42;
  rules.redirects = {redirect("BASIC", "/a", "/b"), redirect("BASIC", "/c", "/d"),
                     redirect("BASIC_HOST", "h/a", "/b"), redirect("REGEX", "^/r/(.*)", "/$1"),
                     redirect("BASIC", "/bad", "/x", "GONE")};
  rules.pages = {page("BASIC", "/p", "x"), page("BASIC_HOST", "h/p", "y", "XML")};
  const auto table = build_table(rules);

  SyncState sync;
  sync.syncs_success = 3;
  sync.syncs_unchanged = 10;
  sync.syncs_error = 2;
  sync.syncs_rejected = 5;
  sync.last_success_time = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  sync.last_load_duration = milliseconds(1500);

  RequestCounters counters;
  counters.record(RequestOutcome::kRedirect, 301, microseconds(3));
  counters.record(RequestOutcome::kRedirect, 301, microseconds(30));
  counters.record(RequestOutcome::kPage, 405, microseconds(300));
  counters.record(RequestOutcome::kMiss, 404, milliseconds(3));
  counters.record(RequestOutcome::kRejected, 418, milliseconds(3000));  // "other"

  const auto samples = parse_prometheus_text(render_one(table, sync, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_loaded_version", P()) == 42);
  CHECK(prometheus_value(samples, "flecto_agent_table_loaded", P()) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", P({{"kind", "redirect"}, {"type", "BASIC"}})) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", P({{"kind", "redirect"}, {"type", "BASIC_HOST"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", P({{"kind", "redirect"}, {"type", "REGEX"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", P({{"kind", "page"}, {"type", "BASIC_HOST"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_skipped", P()) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", P({{"result", "success"}})) == 3);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", P({{"result", "unchanged"}})) == 10);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", P({{"result", "error"}})) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", P({{"result", "rejected"}})) == 5);
  CHECK(prometheus_value(samples, "flecto_agent_last_success_sync_timestamp_seconds", P()) == 1'700'000'000);
  CHECK(prometheus_value(samples, "flecto_agent_last_load_duration_seconds", P()) == Approx(1.5));
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", P({{"outcome", "redirect"}, {"code", "301"}})) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", P({{"outcome", "page"}, {"code", "405"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", P({{"outcome", "miss"}, {"code", "404"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", P({{"outcome", "rejected"}, {"code", "other"}})) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_bucket", {{"le", "1e-05"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_bucket", {{"le", "5e-05"}}) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_bucket", {{"le", "0.001"}}) == 3);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_bucket", {{"le", "1"}}) == 4);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_bucket", {{"le", "+Inf"}}) == 5);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_sum") == Approx(3.003333));
}

TEST_CASE("metrics: counts from many threads add up", "[metrics]") {
  RequestCounters counters;
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) counters.record(RequestOutcome::kMiss, 404, microseconds(1));
    });
  }
  for (auto& t : threads) t.join();
  const auto samples = parse_prometheus_text(render_one(nullptr, SyncState{}, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", P({{"outcome", "miss"}, {"code", "404"}})) == 160'000);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_count") == 160'000);
}

TEST_CASE("metrics: the sync is stale is one rule: the last good check, failures in a row", "[metrics]") {
  RequestCounters counters;
  SyncState sync;
  auto samples = parse_prometheus_text(render_one(nullptr, sync, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_last_check_success_timestamp_seconds", P()) == 0);
  CHECK(prometheus_value(samples, "flecto_agent_sync_consecutive_failures", P()) == 0);

  // Milliseconds survive: a Unix time printed with %.9g had 10-second steps.
  sync.last_check_success_time =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'126'580'123));
  sync.last_success_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'126'575'500));
  sync.consecutive_failures = 3;
  const std::string text = render_one(nullptr, sync, counters.counts());
  CHECK_THAT(text, Catch::Contains("\nflecto_agent_last_check_success_timestamp_seconds{namespace=\"acme\",project=\"web\"} 1796126580.123\n"));
  CHECK_THAT(text, Catch::Contains("\nflecto_agent_last_success_sync_timestamp_seconds{namespace=\"acme\",project=\"web\"} 1796126575.5\n"));
  samples = parse_prometheus_text(text);
  CHECK(prometheus_value(samples, "flecto_agent_sync_consecutive_failures", P()) == 3);
}

// examples/ gives an alert rule file and a Grafana dashboard: every series
// they name must be one /metrics exports.
TEST_CASE("metrics: the example alert rules and dashboard name only exported series", "[metrics]") {
  RequestCounters counters;
  Rules rules;
  rules.version = 1;
  const std::string exported = render_one(build_table(rules), SyncState{}, counters.counts());
  for (const char* example : {"/../../examples/prometheus/flecto-agent.rules.yml",
                              "/../../examples/grafana/flecto-agent-dashboard.json"}) {
    std::ifstream in(std::string(FLECTO_TEST_DATA_DIR) + example);
    REQUIRE(in);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::regex series("flecto_agent_[a-z_]+");
    std::size_t named = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), series); it != std::sregex_iterator(); ++it) {
      INFO(example << ": " << it->str());
      CHECK_THAT(exported, Catch::Contains("\n# TYPE " + it->str() + " ") ||
                               Catch::Contains("\n" + it->str() + "{") || Catch::Contains("\n" + it->str() + " "));
      ++named;
    }
    CHECK(named >= 4);
  }
}

TEST_CASE("metrics: several projects, each with its labels, and the requests no project answered", "[metrics]") {
  Rules fr_rules;
  fr_rules.version = 4;
  fr_rules.redirects = {redirect("BASIC", "/a", "/b")};
  RequestCounters fr_counters, es_counters, unrouted;
  fr_counters.record(RequestOutcome::kRedirect, 301, microseconds(3));
  es_counters.record(RequestOutcome::kMiss, 404, microseconds(3));
  es_counters.record(RequestOutcome::kMiss, 404, microseconds(3));
  unrouted.record(RequestOutcome::kMiss, 404, microseconds(3));
  unrouted.record(RequestOutcome::kRejected, 400, microseconds(3));
  SyncState es_sync;
  es_sync.syncs_error = 7;
  ReloadStatus reloads;
  reloads.record_applied(std::chrono::system_clock::now());
  reloads.record_refused(std::chrono::system_clock::now(), {"bad"});
  const std::string text = render_metrics(
      {{"prod", "site-fr", build_table(fr_rules), SyncState{}, fr_counters.counts()},
       {"iberia", "site \"es\"\\", nullptr, es_sync, es_counters.counts()}},
      unrouted.counts(), reloads.get());
  const auto samples = parse_prometheus_text(text);
  const std::map<std::string, std::string> fr = {{"namespace", "prod"}, {"project", "site-fr"}};
  CHECK(prometheus_value(samples, "flecto_agent_projects") == 2);
  CHECK(prometheus_value(samples, "flecto_agent_loaded_version", fr) == 4);
  // A label value is escaped as the text format wants.
  CHECK_THAT(text, Catch::Contains("flecto_agent_table_loaded{namespace=\"iberia\",project=\"site \\\"es\\\"\\\\\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("flecto_agent_syncs_total{namespace=\"iberia\",project=\"site \\\"es\\\"\\\\\","
                                   "result=\"error\"} 7\n"));
  CHECK(prometheus_value(samples, "flecto_agent_requests_total",
                         {{"namespace", "prod"}, {"project", "site-fr"}, {"outcome", "redirect"}, {"code", "301"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total",
                         {{"namespace", ""}, {"project", ""}, {"outcome", "miss"}, {"code", "404"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total",
                         {{"namespace", ""}, {"project", ""}, {"outcome", "rejected"}, {"code", "400"}}) == 1);
  // One histogram for the whole listener.
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_count") == 5);
  CHECK(prometheus_value(samples, "flecto_agent_config_reloads_total", {{"result", "applied"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_config_reloads_total", {{"result", "refused"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_config_last_reload_successful") == 0);
}
