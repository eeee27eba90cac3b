// Faults from the host (issue 5), end to end with the flecto-agent binary
// against the stand-in manager: a state directory it cannot write, a full
// disk, a snapshot replaced by garbage, signals in the middle of a sync or
// of a snapshot write, and storms of SIGHUP.
//
// Why the disk is "full" by RLIMIT_FSIZE: mounting a tiny tmpfs needs root
// and a mount namespace, which CI does not give, and /dev/full cannot stand
// in for a file that is created and renamed. With RLIMIT_FSIZE (and SIGXFSZ
// ignored, as `trap '' XFSZ` does before exec) a write past the limit fails
// with EFBIG, which goes down the same path as ENOSPC in write_snapshot.
// Likewise a read-only state directory is a path below a regular file: the
// tests may run as root, for whom mode bits do not forbid writing.

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <httplib.h>

#include "agent/exit_status.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/sync/snapshot.hpp"
#include "support/agent_process.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace fs = std::filesystem;
using flecto::standin::Endpoint;
using flecto::standin::Fault;
using flecto::standin::StandinManager;
using flecto::test::ChildProcess;
using flecto::test::eventually;
using Agent = flecto::test::AgentProcess;
using flecto::test::TempDir;
using namespace std::chrono_literals;

namespace {

// `extra` BASIC redirects after /old -> <target>.
flecto::Rules rules_v(std::int64_t version, const std::string& target, int extra = 0) {
  flecto::Rules rules;
  rules.version = version;
  rules.redirects = {{"BASIC", "/old", target, "MOVED_PERMANENT"}};
  for (int i = 0; i < extra; ++i) {
    rules.redirects.push_back({"BASIC", "/bulk/" + std::to_string(version) + "/" + std::to_string(i),
                               "/bulk-target/" + std::to_string(i), "FOUND"});
  }
  return rules;
}

std::vector<std::string> temporary_files(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().find(".tmp") != std::string::npos) found.push_back(entry.path());
  }
  return found;
}

// The agent under test, syncing from `manager` into `state_dir`.
std::vector<std::string> sync_args(const StandinManager& manager, const std::string& token_file,
                                   const std::string& state_dir) {
  return {"--manager-url", manager.url(), "--namespace-code", manager.options().namespace_code,
          "--project-code", manager.options().project_code, "--token-file", token_file,
          "--agent-name", "edge-faults", "--state-dir", state_dir, "--interval-check", "1h",
          "--sync-timeout", "20s"};
}

struct Setup {
  TempDir dir;
  std::string token_file = dir.write("token", "test-token\n");
  std::string state_dir = dir / "state";
};

}  // namespace

TEST_CASE("daemon: an unwritable state directory at start is a warning, the table is served, the failure reported", "[threads]") {
  Setup setup;
  setup.dir.write("file", "not a directory");
  StandinManager manager({}, rules_v(3, "/v3"));
  Agent agent;
  agent.start(sync_args(manager, setup.token_file, setup.dir / "file/state"), "info");
  REQUIRE(agent.wait_ready());
  CHECK(agent.wait_until([&] { return agent.location_of("/old") == "/v3"; }));
  REQUIRE(manager.wait_for_reports(1, 20s));
  auto report = manager.reports()[0];
  CHECK(report.version == 3);
  CHECK(report.status == "error");
  CHECK_THAT(report.error, Catch::StartsWith("snapshot not written: ") && Catch::Contains("file/state"));
  // The log line comes after the report (the load is logged once its report
  // was sent): wait for it rather than read the log at once.
  CHECK(agent.wait_until(
      [&] { return agent.log().find("snapshot: not written, serving continues") != std::string::npos; }));
  auto status = agent.admin_get("/status");
  REQUIRE(status);
  CHECK_THAT(status->body, Catch::Contains("\"version\":3"));
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}

TEST_CASE("daemon: a missing state directory is created at the first load", "[threads]") {
  Setup setup;
  StandinManager manager({}, rules_v(3, "/v3"));
  Agent agent;
  agent.start(sync_args(manager, setup.token_file, setup.dir / "a/b/state"), "info");
  REQUIRE(agent.wait_ready());
  REQUIRE(manager.wait_for_reports(1, 20s));
  CHECK(manager.reports()[0].status == "success");
  CHECK(flecto::read_snapshot(setup.dir / "a/b/state") == rules_v(3, "/v3"));
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}

TEST_CASE("daemon: a full disk keeps the old snapshot whole, the new table is served, the failure reported", "[threads]") {
  Setup setup;
  const flecto::Rules old_rules = rules_v(3, "/v3");
  flecto::write_snapshot(setup.state_dir, old_rules);
  // About 300 KB of snapshot against a limit of 128 or 256 KiB; the log stays far below it.
  StandinManager manager({}, rules_v(4, "/v4", 4000));
  Agent agent;
  // RLIMIT_FSIZE at 256 blocks (of 512 or 1024 bytes, as the shell counts
  // them), SIGXFSZ ignored: the write fails with EFBIG, as on a full disk.
  agent.start_after("trap '' XFSZ; ulimit -f 256", sync_args(manager, setup.token_file, setup.state_dir),
                    "info");
  REQUIRE(agent.wait_ready());
  REQUIRE(manager.wait_for_reports(1, 20s));
  CHECK(agent.location_of("/old") == "/v4");
  CHECK(agent.location_of("/bulk/4/3999") == "/bulk-target/3999");
  auto report = manager.reports()[0];
  CHECK(report.version == 4);
  CHECK(report.status == "error");
  CHECK_THAT(report.error, Catch::StartsWith("snapshot not written: ") && Catch::Contains("File too large"));
  CHECK(flecto::read_snapshot(setup.state_dir) == old_rules);
  CHECK(temporary_files(setup.state_dir).empty());
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}

TEST_CASE("daemon: a snapshot replaced by garbage while running is rewritten at the next load, ignored at start", "[threads]") {
  Setup setup;
  StandinManager manager({}, rules_v(3, "/v3"));
  auto args = sync_args(manager, setup.token_file, setup.state_dir);
  const std::string snapshot = flecto::snapshot_path(setup.state_dir);
  {
    Agent agent;
    agent.start(args, "info");
    REQUIRE(agent.wait_ready());
    REQUIRE(manager.wait_for_reports(1, 20s));
    std::ofstream(snapshot, std::ios::trunc) << "{\"version\": 3, \"redirects\": [{\"sou";
    // The running agent does not read its snapshot again: serving goes on.
    const auto versions = manager.request_count(Endpoint::kVersion);
    agent.process->send_signal(SIGHUP);
    REQUIRE(eventually([&] { return manager.request_count(Endpoint::kVersion) > versions; }));
    CHECK(agent.location_of("/old") == "/v3");
    // The next load writes it whole again.
    manager.set_rules(rules_v(4, "/v4"));
    agent.process->send_signal(SIGHUP);
    REQUIRE(manager.wait_for_reports(2, 20s));
    CHECK(agent.location_of("/old") == "/v4");
    CHECK(flecto::read_snapshot(setup.state_dir) == rules_v(4, "/v4"));
    std::ofstream(snapshot, std::ios::trunc) << std::string(1000, '\0');
    agent.process->send_signal(SIGTERM);
    CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
  }
  // The next start, with the manager failing: the garbage is ignored with a
  // warning, nothing is served, and the agent runs on.
  manager.set_fault(Endpoint::kVersion, Fault::http_error(500, "down"));
  Agent agent;
  agent.start(args, "info");
  REQUIRE(agent.wait_until([&] { return agent.log().find("sync: version check failed") != std::string::npos; }));
  CHECK_THAT(agent.log(), Catch::Contains("snapshot: ignored, it cannot be used: " + snapshot));
  CHECK(agent.location_of("/old") == "");
  CHECK(agent.running());
  manager.clear_faults();
  agent.process->send_signal(SIGHUP);
  CHECK(agent.wait_until([&] { return agent.location_of("/old") == "/v4"; }));
  CHECK(agent.wait_until([&] { return flecto::read_snapshot_version(setup.state_dir) == 4; }));
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}

TEST_CASE("daemon: SIGTERM in the middle of a sync exits promptly with 0, the old snapshot intact", "[threads]") {
  Setup setup;
  StandinManager manager({}, rules_v(3, "/v3", 10));
  Agent agent;
  agent.start(sync_args(manager, setup.token_file, setup.state_dir), "info");
  REQUIRE(agent.wait_ready());
  REQUIRE(manager.wait_for_reports(1, 20s));
  // The next listing hangs for longer than the test waits for the exit.
  Fault stuck;
  stuck.delay = 60s;
  manager.set_fault(Endpoint::kRedirects, stuck);
  manager.set_rules(rules_v(4, "/v4", 10));
  const auto listings = manager.request_count(Endpoint::kRedirects);
  agent.process->send_signal(SIGHUP);
  REQUIRE(eventually([&] { return manager.request_count(Endpoint::kRedirects) > listings; }));
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(10s) == flecto::kExitOk);
  CHECK(flecto::read_snapshot(setup.state_dir) == rules_v(3, "/v3", 10));
  CHECK(temporary_files(setup.state_dir).empty());
}

TEST_CASE("daemon: SIGTERM or SIGKILL during a snapshot write leaves the old or the new whole snapshot", "[threads]") {
  // About 8 MB of snapshot per version; the rounds send their signal at
  // moments spread over the build, swap and write that follow the fetch's
  // last version check. Which moment falls inside write() is luck, so the
  // test makes many tries; every one must find a whole snapshot.
  const int kRedirects = 100000;
  auto rules_of = [&](std::int64_t version) { return rules_v(version, "/v" + std::to_string(version), kRedirects); };
  Setup setup;
  StandinManager manager({}, rules_of(1));
  auto args = sync_args(manager, setup.token_file, setup.state_dir);
  args.insert(args.end(), {"--page-size", "10000"});
  {
    Agent first;
    first.start(args);
    REQUIRE(manager.wait_for_reports(1, 60s));
    first.process->send_signal(SIGTERM);
    REQUIRE(first.process->wait_for_exit(20s) == flecto::kExitOk);
  }
  REQUIRE(flecto::read_snapshot_version(setup.state_dir) == 1);

  int old_kept = 0, new_written = 0;
  for (int round = 0; round < 12; ++round) {
    INFO("round " << round);
    const int signal = round % 2 == 1 ? SIGKILL : SIGTERM;
    const std::int64_t old_version = *flecto::read_snapshot_version(setup.state_dir);
    const flecto::Rules old_rules = rules_of(old_version);
    manager.set_rules(old_rules);  // what the agent holds: it starts with a heartbeat
    Agent agent;
    agent.start(args, "info");
    REQUIRE(agent.wait_ready());
    REQUIRE(agent.wait_until([&] { return agent.log().find("unchanged") != std::string::npos; }));
    const flecto::Rules new_rules = rules_of(old_version + 1);
    manager.set_rules(new_rules);
    // On the fetch's last version check (the sync's check, which is also the
    // fetch's first, then this one), a timer sends the signal `delay` later.
    const std::uint64_t last_check = manager.request_count(Endpoint::kVersion) + 2;
    const auto delay = std::chrono::microseconds(round * 2500);
    std::jthread timer;
    std::atomic<bool> armed{false};
    std::mutex timer_mutex;
    manager.set_request_hook([&](Endpoint endpoint, std::uint64_t number) {
      if (endpoint != Endpoint::kVersion || number != last_check) return;
      std::lock_guard lock(timer_mutex);
      timer = std::jthread([&agent, delay, signal] {
        std::this_thread::sleep_for(delay);
        agent.process->send_signal(signal);
      });
      armed = true;
    });
    agent.process->send_signal(SIGHUP);
    REQUIRE(eventually([&] { return armed.load(); }));
    {
      // The signal is sent before the process is waited for: ChildProcess
      // is not for two threads at once.
      std::lock_guard lock(timer_mutex);
      timer.join();
    }
    manager.set_request_hook({});
    auto exit = agent.process->wait_for_exit(20s);
    CHECK(exit == (signal == SIGKILL ? 128 + SIGKILL : flecto::kExitOk));
    std::optional<flecto::Rules> on_disk;
    REQUIRE_NOTHROW(on_disk = flecto::read_snapshot(setup.state_dir));  // a half-written file throws
    REQUIRE(on_disk.has_value());
    const bool is_old = *on_disk == old_rules, is_new = *on_disk == new_rules;
    CHECK((is_old || is_new));
    old_kept += is_old;
    new_written += is_new;
    // A graceful stop never leaves a temporary file; a write that did
    // happen also removed what an earlier SIGKILL left.
    if (signal == SIGTERM && is_new) CHECK(temporary_files(setup.state_dir).empty());
  }
  // Not asserted (it depends on the machine's speed), but shown.
  WARN("rounds that kept the old snapshot: " << old_kept << ", that wrote the new one: " << new_written);
}

TEST_CASE("daemon: a storm of SIGHUPs is coalesced, serving goes on", "[threads]") {
  Setup setup;
  StandinManager manager({}, rules_v(3, "/v3"));
  Agent agent;
  agent.start(sync_args(manager, setup.token_file, setup.state_dir), "info");
  REQUIRE(agent.wait_ready());
  REQUIRE(manager.wait_for_reports(1, 20s));
  // Each version check takes a while, so that signals arrive during syncs.
  Fault slow;
  slow.delay = 50ms;
  manager.set_fault(Endpoint::kVersion, slow);
  const auto before = manager.request_count(Endpoint::kVersion);
  const int signals = 500;
  for (int i = 0; i < signals; ++i) {
    agent.process->send_signal(SIGHUP);
    if (i % 50 == 0) CHECK(agent.location_of("/old") == "/v3");
  }
  REQUIRE(eventually([&] { return manager.request_count(Endpoint::kVersion) > before; }));
  // Wait for the syncs to settle: a heartbeat ends each of them.
  std::uint64_t seen = 0;
  REQUIRE(eventually([&] {
    std::uint64_t now = manager.request_count(Endpoint::kVersion);
    bool settled = now == seen && manager.request_count(Endpoint::kHit) >= now - before;
    seen = now;
    if (!settled) std::this_thread::sleep_for(200ms);
    return settled;
  }));
  const auto syncs = manager.request_count(Endpoint::kVersion) - before;
  CHECK(syncs >= 1);
  CHECK(syncs <= signals / 10);
  CHECK(agent.running());
  CHECK(agent.location_of("/old") == "/v3");
  agent.process->send_signal(SIGTERM);
  CHECK(agent.process->wait_for_exit(20s) == flecto::kExitOk);
}
