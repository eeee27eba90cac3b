// The sync loop: keeps the served table in step with Flecto Manager, and
// keeps serving whatever it has when the manager misbehaves.
//
//   flecto::ManagerClient client(flecto::manager_settings_from(config));
//   flecto::SyncLoop loop(config, client, served, status);
//   loop.set_tick([] { sd_notify(0, "WATCHDOG=1"); });
//   std::jthread sync([&](std::stop_token stop) { loop.run(stop); });
//   ... on SIGHUP: loop.request_sync_now();   on SIGTERM: sync.request_stop();
//
// What run() does:
// - At start, serves <state_dir>/snapshot.json at once when there is one
//   (table_source "snapshot"); a missing snapshot is noted, a corrupt one is
//   a warning, and neither replaces a table already served.
// - Then runs a sync step (agent/sync/step.hpp) at once, and every
//   interval_check (±10% jitter): gets the version; when it differs from the
//   served table's, loads it (fetch, build, swap, snapshot, report); when
//   not, sends the heartbeat.
// - Each step is bounded by sync_timeout. A failure leaves the served table
//   as it was and is retried after an exponential backoff from 1 s up to
//   interval_check (with jitter), forever.
// - With on_invalid_rules = "reject", a snapshot with an invalid rule is
//   not served (a warning says why; the sync then loads from the manager),
//   and a version from the manager with one is not served either
//   (step.hpp): the loop then waits interval_check as after a success, and
//   does not fetch that version again while the manager still has it (the
//   same version holds the same rules, so it would be refused again; a
//   restart, or a reload that changes this project's sync settings, starts
//   a new loop that fetches it once more).
// - Reports: after every load, POST .../agents with the version, status,
//   load_duration and error (skipped rules, a snapshot that could not be
//   written). A failed load is reported with the served table's version when
//   the manager answered at all; version 0 is never reported. A version the
//   manager was not told about yet (a snapshot served since start, a report
//   that failed) is reported in place of the next heartbeat; if that fails,
//   status' last_error starts with "report: " (else "heartbeat: ").
// - Keeps `status` (SyncStatus) current and logs one line per event.
//
// run() returns promptly once its stop token fires; an unfinished sync is
// abandoned (its table is not swapped in, the snapshot is not touched).

#ifndef FLECTO_AGENT_SYNC_LOOP_HPP_
#define FLECTO_AGENT_SYNC_LOOP_HPP_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/backoff.hpp"
#include "agent/sync/status.hpp"
#include "agent/sync/step.hpp"

namespace flecto {

// Knobs with production defaults; tests shorten them.
struct SyncLoopOptions {
  std::chrono::milliseconds initial_backoff{std::chrono::seconds(1)};
  double jitter = 0.1;     // of interval_check and of each backoff delay
  std::uint64_t seed = 0;  // 0: random
  // How often the tick callback is called, while waiting and during a sync.
  std::chrono::milliseconds tick_period{std::chrono::seconds(1)};
  // The project's label, at the start of every log line ("[prod/site] sync:
  // ..."); empty for a host that serves one project.
  std::string project;
  // Called with the loop's config and the rules of each version it serves
  // (a load, and the snapshot at start, then read whole with
  // read_snapshot): the relay's feed (agent/relay/relay_store.hpp). Empty:
  // none, and the snapshot is loaded the fast way only.
  std::function<void(const Config& config, const Rules& rules)> on_served_rules;
};

class SyncLoop {
 public:
  // `api`, `served` and `status` must outlive the loop. Throws
  // std::invalid_argument when config.agent_name is set but invalid (an
  // empty one becomes the host name, see agent/config/agent_name.hpp).
  SyncLoop(Config config, ManagerApi& api, ServedTable& served, SyncStatus& status,
           SyncLoopOptions options = {});

  // Called at least every tick_period while run() runs, also during a sync,
  // up to the sync's time limit (so a stuck sync starves a watchdog). Calls
  // never overlap; they may come from a helper thread. Set before run().
  void set_tick(std::function<void()> tick) { tick_ = std::move(tick); }

  // Runs until `stop` fires. Never throws for the manager's or the disk's
  // failures; call it once.
  void run(std::stop_token stop);

  // Wakes the loop for a sync now (SIGHUP). Thread-safe, but not
  // async-signal-safe: call it from a thread that waits for signals.
  void request_sync_now();

  // The agent name used in reports and heartbeats.
  const std::string& agent_name() const { return agent_name_; }

 private:
  void serve_snapshot();
  // Hands the snapshot's rules (of `version`, just served) to on_served_rules.
  void offer_snapshot_rules(std::int64_t version);
  // Waits until `when`, a sync request or `stop`; false when stopped.
  bool wait_until(std::chrono::steady_clock::time_point when, std::stop_token stop);
  // One sync step, logged; true when it succeeded.
  bool sync(std::stop_token stop);
  // The served version, with the report the manager has yet to take.
  std::optional<HeldVersion> held() const;
  void log_failure(const SyncFailure& failure) const;
  void log_report(const ReportAttempt& attempt) const;
  void log_loaded(const SyncOutcome& outcome) const;
  // Logs a kRejected step, and remembers the version rejected.
  void log_rejected(const SyncOutcome& outcome);
  void tick();

  Config config_;
  ManagerApi& api_;
  ServedTable& served_;
  SyncStatus& status_;
  SyncLoopOptions options_;
  std::string agent_name_;
  std::string who_;  // "[<project>] " or ""
  Backoff backoff_;
  std::function<void()> tick_;

  // The report of the served table's load, and whether the manager took
  // it: until it does, it is sent in place of the heartbeat (never for
  // version 0).
  std::optional<LoadReport> served_report_;
  bool served_report_taken_ = false;
  // The version rejected last, while the manager still has it, with the
  // report of its rejection (SyncStepOptions::rejected).
  std::optional<HeldVersion> rejected_;

  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool sync_now_ = false;  // guarded by mutex_
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_LOOP_HPP_
