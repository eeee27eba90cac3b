#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <future>

#include "agent/sync/snapshot.hpp"
#include "agent/sync/loop.hpp"
#include "tests/agent/sync/fakes.hpp"

using namespace std::chrono_literals;
using flecto::ManagerError;
using flecto::test::eventually;
using flecto::test::FakeManager;
using flecto::test::sample_rules;
using flecto::test::TempDir;

namespace {

// A loop on its own thread, stopped and joined (within a bound) on destruction.
class RunningLoop {
 public:
  RunningLoop(flecto::Config config, flecto::ManagerApi& api, flecto::ServedTable& served,
              flecto::SyncStatus& status, std::function<void()> tick = {})
      : loop_(std::move(config), api, served, status, fast_options()) {
    loop_.set_tick(std::move(tick));
    done_ = std::async(std::launch::async, [this] { loop_.run(stop_.get_token()); });
  }
  ~RunningLoop() { stop(); }
  // Stops the loop; true when run() returned within the bound.
  bool stop() {
    stop_.request_stop();
    return done_.wait_for(20s) == std::future_status::ready;
  }
  flecto::SyncLoop& loop() { return loop_; }

  static flecto::SyncLoopOptions fast_options() {
    flecto::SyncLoopOptions options;
    options.initial_backoff = 5ms;
    options.tick_period = 10ms;
    options.seed = 99;
    return options;
  }

 private:
  flecto::SyncLoop loop_;
  std::stop_source stop_;
  std::future<void> done_;
};

flecto::Config test_config(const std::string& state_dir, std::chrono::milliseconds interval = 1h) {
  flecto::Config config;
  config.agent_name = "edge-test-1";
  config.state_dir = state_dir;
  config.interval_check = interval;
  config.sync_timeout = 20s;
  return config;
}

std::int64_t served_version(const flecto::ServedTable& served) {
  auto table = served.current();
  return table ? table->version() : -1;
}

}  // namespace

TEST_CASE("sync loop: first sync serves, snapshots and reports the manager's version", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3, 4));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  CHECK(served_version(served) == 3);
  CHECK(served.current()->stats().basic == 4);
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(3, 4));
  auto report = manager.reports()[0];
  CHECK(report.name == "edge-test-1");
  CHECK(report.version == 3);
  CHECK(report.success);
  CHECK(report.error.empty());
  auto state = status.get();
  CHECK(report.load_duration == state.last_load_duration);
  CHECK(flecto::to_text(state.table_source) == "manager");
  CHECK(flecto::to_text(state.last_result) == "success");
  CHECK(state.syncs_success == 1);
  CHECK(state.last_success_time.has_value());
}

TEST_CASE("sync loop: an unchanged version sends heartbeats, not reports", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path(), 5ms), manager, served, status);
  REQUIRE(eventually([&] { return manager.heartbeats().size() >= 3; }));
  auto table = served.current();
  CHECK(manager.reports().size() == 1);
  CHECK(manager.heartbeats()[0] == "edge-test-1");
  CHECK(manager.calls("redirects") == 1);
  CHECK(status.get().syncs_unchanged >= 3);
  CHECK(served.current() == table);
}

TEST_CASE("sync loop: a new version is loaded at the next check", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path(), 5ms), manager, served, status);
  REQUIRE(eventually([&] { return served_version(served) == 3; }));
  manager.publish(sample_rules(4, 7));
  REQUIRE(eventually([&] { return manager.reports().size() == 2; }));
  CHECK(served_version(served) == 4);
  CHECK(manager.reports()[1].version == 4);
  CHECK(flecto::read_snapshot_version(dir.path()) == 4);
}

TEST_CASE("sync loop: failures keep the served table, are reported when the manager answered, and are retried", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  auto table = served.current();

  SECTION("an HTTP error on a listing") {
    manager.fail("pages", flecto::test::http_error(500));
    manager.publish(sample_rules(4));
    running.loop().request_sync_now();
    REQUIRE(eventually([&] { return manager.reports().size() >= 2; }));
    auto report = manager.reports()[1];
    CHECK(report.version == 3);  // the version this agent is at
    CHECK_FALSE(report.success);
    CHECK(report.error == "HTTP 500");
    CHECK(served.current() == table);
    CHECK(flecto::read_snapshot_version(dir.path()) == 3);
    auto state = status.get();
    CHECK(flecto::to_text(state.last_result) == "error");
    CHECK_THAT(state.last_error, Catch::Contains("HTTP 500"));
    CHECK(flecto::to_text(state.table_source) == "manager");
    REQUIRE(eventually([&] { return manager.calls("pages") >= 4; }));  // backing off, not giving up
    CHECK(served.current() == table);
    manager.heal_all();
    REQUIRE(eventually([&] { return served_version(served) == 4; }));
    REQUIRE(eventually([&] { return manager.reports().back().version == 4; }));
    CHECK(manager.reports().back().success);
  }
  SECTION("invalid data") {
    manager.fail("redirects", flecto::test::invalid_data());
    manager.publish(sample_rules(4));
    running.loop().request_sync_now();
    REQUIRE(eventually([&] { return manager.reports().size() >= 2; }));
    CHECK(manager.reports()[1].version == 3);
    CHECK_THAT(manager.reports()[1].error, Catch::Contains("malformed JSON"));
    CHECK(served.current() == table);
  }
  SECTION("an unreachable manager is not reported to") {
    manager.fail("redirects", flecto::test::unreachable());
    manager.publish(sample_rules(4));
    running.loop().request_sync_now();
    REQUIRE(eventually([&] { return manager.calls("redirects") >= 4; }));
    CHECK(manager.reports().size() == 1);
    CHECK(served.current() == table);
    // The 4th call may still be under way: the 1st was the first load, so
    // only the 2nd and 3rd are sure to be counted.
    CHECK(eventually([&] { return status.get().syncs_error >= 3; }));
  }
  SECTION("a failed version check") {
    manager.fail("version", flecto::test::http_error(401));
    running.loop().request_sync_now();
    REQUIRE(eventually([&] { return status.get().syncs_error >= 3; }));
    CHECK(manager.reports().size() == 1);
    CHECK(served.current() == table);
    CHECK_THAT(status.get().last_error, Catch::StartsWith("version check: HTTP 401"));
  }
}

TEST_CASE("sync loop: rules the matcher skips make the report an error naming the first", "[threads]") {
  TempDir dir;
  flecto::Rules rules = sample_rules(6, 2);
  rules.redirects.push_back({"BASIC", "/old", "/new", "GONE"});
  rules.redirects.push_back({"NOPE", "/other", "/new", "FOUND"});
  FakeManager manager(rules);
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  auto report = manager.reports()[0];
  CHECK(report.version == 6);
  CHECK_FALSE(report.success);
  CHECK_THAT(report.error, Catch::StartsWith("2 rules skipped; first: redirect #") &&
                               Catch::Contains("\"/old\"") && Catch::Contains("GONE"));
  CHECK(served_version(served) == 6);
  CHECK(served.current()->stats().skipped == 2);
  CHECK(flecto::read_snapshot(dir.path()) == rules);  // as received
}

TEST_CASE("sync loop: version 0 is served empty and never reported", "[threads]") {
  TempDir dir;
  FakeManager manager;  // nothing published
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path(), 5ms), manager, served, status);
  REQUIRE(eventually([&] { return status.get().syncs_unchanged >= 3; }));
  CHECK(served_version(served) == 0);
  CHECK(manager.reports().empty());
  CHECK(manager.heartbeats().empty());
  CHECK(status.get().syncs_error == 0);
}

TEST_CASE("sync loop: the snapshot is served at start while the manager is down", "[threads]") {
  TempDir dir;
  flecto::write_snapshot(dir.path(), sample_rules(5, 9));
  FakeManager manager(sample_rules(5, 9));
  manager.fail("version", flecto::test::unreachable());
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return status.get().syncs_error >= 2; }));
  CHECK(served_version(served) == 5);
  CHECK(served.current()->stats().basic == 9);
  CHECK(flecto::to_text(status.get().table_source) == "snapshot");
  auto table = served.current();

  // Once the manager is back with the same version, it hears of the load once, then heartbeats.
  manager.heal_all();
  running.loop().request_sync_now();
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  CHECK(manager.reports()[0].version == 5);
  CHECK(manager.reports()[0].success);
  running.loop().request_sync_now();
  REQUIRE(eventually([&] { return manager.heartbeats().size() == 1; }));
  CHECK(manager.reports().size() == 1);
  CHECK(manager.calls("redirects") == 0);
  CHECK(served.current() == table);
}

TEST_CASE("sync loop: a corrupt snapshot is ignored, never served, and replaced by the next load", "[threads]") {
  TempDir dir;
  flecto::write_snapshot(dir.path(), sample_rules(5));
  { std::ofstream(dir / "snapshot.json", std::ios::trunc) << R"({"version": 5, "redirects": [{"type": "BA)"; }
  FakeManager manager(sample_rules(6));
  manager.fail("version", flecto::test::unreachable());
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return status.get().syncs_error >= 1; }));
  CHECK(served.current() == nullptr);
  CHECK(flecto::to_text(status.get().table_source) == "none");
  manager.heal_all();
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));  // after the snapshot
  CHECK(served_version(served) == 6);
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(6));
}

TEST_CASE("sync loop: an unwritable state directory is counted and reported, and the table served", "[threads]") {
  TempDir dir;
  { std::ofstream(dir / "file") << "x"; }
  FakeManager manager(sample_rules(3));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir / "file/state"), manager, served, status);
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  CHECK(served_version(served) == 3);
  auto report = manager.reports()[0];
  CHECK_FALSE(report.success);
  CHECK_THAT(report.error, Catch::StartsWith("snapshot not written: ") && Catch::Contains("file/state"));
  CHECK(status.get().snapshot_write_errors == 1);
  CHECK(flecto::to_text(status.get().last_result) == "success");
}

TEST_CASE("sync loop: a version that moves during the load gives one whole version", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3, 3));
  bool moved = false;
  manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "pages" && !moved) {
      moved = true;
      manager.publish(sample_rules(4, 8));
    }
  });
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  CHECK(served_version(served) == 4);
  CHECK(served.current()->stats().basic == 8);
  CHECK(manager.reports()[0].version == 4);
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(4, 8));
}

TEST_CASE("sync loop: a sync that exceeds sync_timeout fails, the table stays", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  auto config = test_config(dir.path());
  // Long enough for the first, unblocked sync on a loaded machine.
  config.sync_timeout = 400ms;
  RunningLoop running(config, manager, served, status);
  REQUIRE(eventually([&] { return manager.reports().size() == 1; }));
  auto table = served.current();
  manager.publish(sample_rules(4));
  manager.set_on_call([](const std::string& endpoint, std::stop_token stop) {
    if (endpoint == "redirects") flecto::test::block_until_stopped(stop);
  });
  running.loop().request_sync_now();
  REQUIRE(eventually([&] { return status.get().syncs_error >= 1; }));
  CHECK_THAT(status.get().last_error, Catch::Contains("timed out after 400ms"));
  CHECK(served.current() == table);
  CHECK(manager.reports().size() == 1);  // a timeout is not the manager answering
}

TEST_CASE("sync loop: stopping abandons an unfinished sync promptly", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  std::atomic<bool> blocked{false};
  manager.set_on_call([&](const std::string& endpoint, std::stop_token stop) {
    if (endpoint == "pages") {
      blocked = true;
      flecto::test::block_until_stopped(stop);
    }
  });
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status);
  REQUIRE(eventually([&] { return blocked.load(); }));
  CHECK(running.stop());
  CHECK(served.current() == nullptr);
  CHECK_FALSE(flecto::read_snapshot(dir.path()).has_value());
  CHECK(manager.reports().empty());
}

TEST_CASE("sync loop: request_sync_now wakes a long wait, stop ends it", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path(), 24h), manager, served, status);
  REQUIRE(eventually([&] { return served_version(served) == 3; }));
  manager.publish(sample_rules(4));
  running.loop().request_sync_now();
  REQUIRE(eventually([&] { return served_version(served) == 4; }));
  CHECK(running.stop());
}

TEST_CASE("sync loop: the tick callback is called while waiting and during a sync", "[threads]") {
  TempDir dir;
  FakeManager manager(sample_rules(3));
  std::atomic<bool> in_sync{false};
  std::atomic<int> ticks{0}, ticks_in_sync{0};
  manager.set_on_call([&](const std::string& endpoint, std::stop_token stop) {
    if (endpoint != "redirects") return;
    in_sync = true;
    // Stays in the sync until the watchdog has been fed from it a few times.
    flecto::test::eventually([&] { return ticks_in_sync.load() >= 3 || stop.stop_requested(); });
    in_sync = false;
  });
  flecto::ServedTable served;
  flecto::SyncStatus status;
  RunningLoop running(test_config(dir.path()), manager, served, status, [&] {
    ++ticks;
    if (in_sync) ++ticks_in_sync;
  });
  REQUIRE(eventually([&] { return served_version(served) == 3; }));
  int after_sync = ticks.load();
  REQUIRE(eventually([&] { return ticks.load() >= after_sync + 3; }));
  CHECK(ticks_in_sync.load() >= 3);
}

TEST_CASE("sync loop: an invalid agent name is refused at construction", "[threads]") {
  FakeManager manager;
  flecto::ServedTable served;
  flecto::SyncStatus status;
  auto config = test_config("");
  config.agent_name = "web-1.example.com";
  CHECK_THROWS_WITH(flecto::SyncLoop(config, manager, served, status),
                    Catch::Contains("agent_name \"web-1.example.com\""));
}
