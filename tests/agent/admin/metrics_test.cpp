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
  const auto samples = parse_prometheus_text(render_metrics(nullptr, SyncState{}, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_table_loaded") == 0);
  CHECK(prometheus_value(samples, "flecto_agent_loaded_version") == 0);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", {{"outcome", "redirect"}, {"code", "301"}}) == 0);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_count") == 0);
  CHECK(prometheus_value(samples, "flecto_agent_last_success_sync_timestamp_seconds") == 0);
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
  sync.last_success_time = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  sync.last_load_duration = milliseconds(1500);

  RequestCounters counters;
  counters.record(RequestOutcome::kRedirect, 301, microseconds(3));
  counters.record(RequestOutcome::kRedirect, 301, microseconds(30));
  counters.record(RequestOutcome::kPage, 405, microseconds(300));
  counters.record(RequestOutcome::kMiss, 404, milliseconds(3));
  counters.record(RequestOutcome::kRejected, 418, milliseconds(3000));  // "other"

  const auto samples = parse_prometheus_text(render_metrics(table.get(), sync, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_loaded_version") == 42);
  CHECK(prometheus_value(samples, "flecto_agent_table_loaded") == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", {{"kind", "redirect"}, {"type", "BASIC"}}) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", {{"kind", "redirect"}, {"type", "BASIC_HOST"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", {{"kind", "redirect"}, {"type", "REGEX"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_loaded", {{"kind", "page"}, {"type", "BASIC_HOST"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_rules_skipped") == 1);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", {{"result", "success"}}) == 3);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", {{"result", "unchanged"}}) == 10);
  CHECK(prometheus_value(samples, "flecto_agent_syncs_total", {{"result", "error"}}) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_last_success_sync_timestamp_seconds") == 1'700'000'000);
  CHECK(prometheus_value(samples, "flecto_agent_last_load_duration_seconds") == Approx(1.5));
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", {{"outcome", "redirect"}, {"code", "301"}}) == 2);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", {{"outcome", "page"}, {"code", "405"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", {{"outcome", "miss"}, {"code", "404"}}) == 1);
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", {{"outcome", "rejected"}, {"code", "other"}}) == 1);
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
  const auto samples = parse_prometheus_text(render_metrics(nullptr, SyncState{}, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_requests_total", {{"outcome", "miss"}, {"code", "404"}}) == 160'000);
  CHECK(prometheus_value(samples, "flecto_agent_request_duration_seconds_count") == 160'000);
}

TEST_CASE("metrics: the sync is stale is one rule: the last good check, failures in a row", "[metrics]") {
  RequestCounters counters;
  SyncState sync;
  auto samples = parse_prometheus_text(render_metrics(nullptr, sync, counters.counts()));
  CHECK(prometheus_value(samples, "flecto_agent_last_check_success_timestamp_seconds") == 0);
  CHECK(prometheus_value(samples, "flecto_agent_sync_consecutive_failures") == 0);

  // Milliseconds survive: a Unix time printed with %.9g had 10-second steps.
  sync.last_check_success_time =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'126'580'123));
  sync.last_success_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'126'575'500));
  sync.consecutive_failures = 3;
  const std::string text = render_metrics(nullptr, sync, counters.counts());
  CHECK_THAT(text, Catch::Contains("\nflecto_agent_last_check_success_timestamp_seconds 1796126580.123\n"));
  CHECK_THAT(text, Catch::Contains("\nflecto_agent_last_success_sync_timestamp_seconds 1796126575.5\n"));
  samples = parse_prometheus_text(text);
  CHECK(prometheus_value(samples, "flecto_agent_sync_consecutive_failures") == 3);
}

// examples/ gives an alert rule file and a Grafana dashboard: every series
// they name must be one /metrics exports.
TEST_CASE("metrics: the example alert rules and dashboard name only exported series", "[metrics]") {
  RequestCounters counters;
  Rules rules;
  rules.version = 1;
  const std::string exported = render_metrics(build_table(rules).get(), SyncState{}, counters.counts());
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
