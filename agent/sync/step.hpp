// One sync step: check the manager's version; when it is the one this host
// holds, tell the manager so; else load it, swap it in, write the snapshot
// and report. The sync loop runs a step per check, --sync-once runs one.
//
//   flecto::SyncContext context{config, agent_name, api, served, status};
//   flecto::SyncOutcome outcome = flecto::run_sync_step(context, held, stop);
//   if (outcome.failure) log(outcome.failure->step + ": " + outcome.failure->message);
//
// In order:
// - Records the attempt (status.last_attempt_time). The whole step is bounded
//   by config.sync_timeout.
// - Gets the version. When it is `held`'s (and not options.force): version 0
//   tells the manager nothing, else held->report_owed is sent when there is
//   one, a heartbeat when not. A heartbeat answered 500 "record not found"
//   (the manager no longer knows this agent: its database was reset or
//   restored) is followed by a report of the held version, which registers
//   the agent again (held->served_report, or one made of the version and
//   the last load's duration); later steps send heartbeats. kUnchanged.
// - Else fetches that version (the check's answer is the fetch's first read
//   of the version), builds its table and serves it (serve_table, source
//   kManager): kLoaded. Then writes the snapshot when config.state_dir is set
//   (a failure is counted in status.snapshot_write_errors and named in the
//   report; serving goes on) and reports the load, unless it is version 0
//   (the manager refuses it). A failed report leaves the step kLoaded.
// - Every report is made fit for the manager's columns on the way
//   (report_for_manager, agent/manager/api_json.hpp): an error of at most
//   500 characters, valid UTF-8, and a load_duration of at least 1 ns (the
//   manager refuses to create an agent's row with 0).
// - With config.on_invalid_rules kReject, a loaded version with an invalid
//   rule is not served (agent/sync/strict_versions.hpp): the table served
//   stays, the snapshot is not written, and the manager gets a report
//   (status error, the rejection message; the version held, or the rejected
//   one when none is held): kRejected, recorded in status (last_result
//   kRejected, last_error the message, rejected_version). When the version
//   checked is options.rejected's (and not options.force), it is not
//   fetched again: the manager is told as of an unchanged version (that
//   report when still owed, else a heartbeat), and the step is kRejected.
// - A version check the manager fails (an HTTP error, unreachable) is
//   diagnosed with GET /health/ping, within the step's time limit
//   (SyncFailure::message, manager_down).
// - A failed check, heartbeat, owed report or load leaves the served table
//   as it was: kFailed, recorded in status (last_result kError, last_error
//   "<step>: <message>"). A load the manager answered with an error (an HTTP
//   status, invalid data; not a time-out) is reported, as failed, with the
//   held version, unless none or 0 is held.
// - Once `stop` fires, the step ends kAbandoned: nothing more is recorded,
//   swapped, written or reported.
//
// It never throws for the manager's, the disk's or the build's failures,
// and never logs: the outcome says what happened, for the caller's words.

#ifndef FLECTO_AGENT_SYNC_STEP_HPP_
#define FLECTO_AGENT_SYNC_STEP_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/status.hpp"

namespace flecto {

// What one project's sync works with; everything must outlive the step.
struct SyncContext {
  const Config& config;  // listing_limits, on_invalid_rules, state_dir ("" for none), sync_timeout, regex_memory_mb
  const std::string& agent_name;  // resolved (agent/config/agent_name.hpp)
  ManagerApi& api;
  ServedTable& served;
  SyncStatus& status;
};

// The version this host holds before the step: the one it serves (the
// loop) or its snapshot holds (--sync-once).
struct HeldVersion {
  // A constructor, so that HeldVersion{version, owed} leaves served_report
  // out without a warning.
  HeldVersion(std::int64_t held_version = 0, std::optional<LoadReport> owed = std::nullopt,
              std::optional<LoadReport> served = std::nullopt)
      : version(held_version), report_owed(std::move(owed)), served_report(std::move(served)) {}

  std::int64_t version = 0;
  // The report of that version the manager has not taken yet: sent in place
  // of the next heartbeat.
  std::optional<LoadReport> report_owed;
  // The report of that version's load, taken or not: sent again when the
  // manager no longer knows this agent. None: one is made of the version,
  // success, and the status's last_load_duration.
  std::optional<LoadReport> served_report;
};

struct SyncStepOptions {
  bool force = false;  // load even when the manager has the held version
  // Called every tick_period during the step, up to its time limit (see
  // agent/sync/stop_deadline.hpp).
  std::function<void()> tick;
  std::chrono::milliseconds tick_period{std::chrono::seconds(1)};
  // Called with the manager's version just before a load starts, so that a
  // long load is announced.
  std::function<void(std::int64_t version)> loading;
  // Called with a loaded version's rules, as received, right after its
  // table is served (the relay serves them on: agent/relay/). Empty: none.
  std::function<void(const Rules& rules)> served_rules;
  // The version rejected last (on_invalid_rules = reject), with the report
  // of its rejection as served_report (and as report_owed until the
  // manager takes it). None: no version is rejected.
  std::optional<HeldVersion> rejected;
};

// A step of the manager's that failed.
struct SyncFailure {
  std::string step;  // "version check", "heartbeat", "report" or "load"
  // The manager's error; "timed out after 5min" when sync_timeout ended the
  // step; "out of memory while building the table".
  // An HTTP error or an unreachable manager ends with what GET /health/ping
  // tells (agent/sync/diagnose.hpp): "...; the manager answers
  // /health/ping, so the token, namespace_code or project_code is wrong".
  std::string message;
  std::optional<ManagerError::Kind> kind;  // none: out of memory
  bool timed_out = false;
  // The manager did not answer /health/ping either: it is down or cut off,
  // whatever answered the request (a proxy's 502 says the same).
  bool manager_down = false;
};

// A report sent after a load (or a load the manager refused).
struct ReportAttempt {
  LoadReport report;
  std::optional<SyncFailure> failure;  // none: the manager took it
};

// What the manager was told of an unchanged version. kRegisteredAgain: the
// heartbeat was answered "record not found", and a report followed.
enum class UnchangedTold { kNothing, kHeartbeat, kOwedReport, kRegisteredAgain };

struct SyncOutcome {
  enum class Result { kUnchanged, kLoaded, kRejected, kFailed, kAbandoned };
  Result result = Result::kAbandoned;
  // The manager's version: 0 when the check failed or the step was abandoned.
  std::int64_t version = 0;
  UnchangedTold told = UnchangedTold::kNothing;  // kUnchanged
  std::optional<Load> load;  // kLoaded: the load now served; kRejected after a fetch: the load refused
  std::string rejection;     // kRejected: rejection_message()
  // kLoaded: why the snapshot was not written (SnapshotError::what()); ""
  // when it was, or when there is no state_dir.
  std::string snapshot_error;
  // kLoaded (not version 0), kFailed after a load the manager refused,
  // kRejected after a fetch (and with kOwedReport or kRegisteredAgain), and
  // kUnchanged with kRegisteredAgain. The report as sent (report_for_manager).
  std::optional<ReportAttempt> report;
  std::optional<SyncFailure> failure;  // kFailed
};

// Runs one step, as described above.
SyncOutcome run_sync_step(const SyncContext& context, const std::optional<HeldVersion>& held,
                          std::stop_token stop, const SyncStepOptions& options = {});

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_STEP_HPP_
