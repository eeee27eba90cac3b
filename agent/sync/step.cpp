#include "agent/sync/step.hpp"

#include <new>
#include <string_view>
#include <utility>

#include "agent/config/duration.hpp"
#include "agent/manager/api_json.hpp"
#include "agent/sync/diagnose.hpp"
#include "agent/sync/serve_table.hpp"
#include "agent/sync/stop_deadline.hpp"
#include "agent/sync/strict_versions.hpp"

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

// One run of the step: its inputs, and the deadline that bounds it.
struct StepRun {
  const SyncContext& context;
  const std::optional<HeldVersion>& held;
  const SyncStepOptions& options;
  std::stop_token stop;  // the caller's: abandons the step
  const StopDeadline& deadline;

  std::stop_token bounded() const { return deadline.token(); }
};

std::string join_errors(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "; " + b;
}

// The sync's own time-out when it ended the call (the client then only saw
// a cancelled request), else the client's error; for the version check,
// with what the manager's /health/ping tells of it. (Once a check has
// succeeded, the token and the project are known to be right.)
SyncFailure failure_of(const StepRun& run, const std::string& step, const ManagerError& e) {
  const bool timed_out = run.deadline.expired();
  SyncFailure failure{step,
                      timed_out ? "timed out after " + format_duration(run.context.config.sync_timeout)
                                : std::string(e.what()),
                      e.kind(), timed_out};
  if (step == "version check" && !timed_out && !run.stop.stop_requested()) {
    const Diagnosis diagnosis = diagnose_failure(run.context.api, e, run.bounded());
    if (!diagnosis.text.empty()) failure.message += "; " + diagnosis.text;
    failure.manager_down = diagnosis.manager_down();
  }
  return failure;
}

// Only a manager that answered can take a report of the failure.
bool manager_answered(ManagerError::Kind kind) {
  return kind == ManagerError::Kind::kHttpStatus || kind == ManagerError::Kind::kInvalidData;
}

SyncOutcome abandoned() { return SyncOutcome{}; }

SyncOutcome failed(const StepRun& run, std::int64_t version, SyncFailure failure) {
  run.context.status.update([&](SyncState& s) {
    s.last_result = SyncResult::kError;
    s.last_error = failure.step + ": " + failure.message;
    ++s.syncs_error;
    if (s.consecutive_failures++ == 0) s.failing_since = s.last_attempt_time;
  });
  SyncOutcome outcome;
  outcome.result = SyncOutcome::Result::kFailed;
  outcome.version = version;
  outcome.failure = std::move(failure);
  return outcome;
}

// Every report reaches the manager through here, fit for its columns.
// Returns the report as sent. Throws ManagerError.
LoadReport report_to_manager(const StepRun& run, const LoadReport& report) {
  LoadReport fit = report_for_manager(report);
  run.context.api.report_load(fit, run.bounded());
  return fit;
}

ReportAttempt send_report(const StepRun& run, LoadReport report) {
  ReportAttempt attempt{report_for_manager(std::move(report)), std::nullopt};
  try {
    report_to_manager(run, attempt.report);
  } catch (const ManagerError& e) {
    attempt.failure = failure_of(run, "report", e);
  }
  return attempt;
}

// The manager's answer to a heartbeat of an agent it does not know (never
// reported, or its database was reset): 500 {"message":"record not found"}.
bool unknown_agent(const ManagerError& e) {
  return e.kind() == ManagerError::Kind::kHttpStatus && e.http_status() == 500 &&
         std::string_view(e.what()).find("record not found") != std::string_view::npos;
}

// The report that registers this agent again with the held version.
LoadReport registration(const StepRun& run) {
  if (run.held->served_report) return *run.held->served_report;
  return LoadReport{run.context.agent_name, run.held->version, true, run.context.status.get().last_load_duration, ""};
}

// The version is the held one: a heartbeat, or the report still owed.
SyncOutcome tell_unchanged(const StepRun& run, std::int64_t version) {
  const std::optional<LoadReport>& owed = run.held->report_owed;
  UnchangedTold told = UnchangedTold::kNothing;
  std::optional<ReportAttempt> registered;
  if (version != 0) {  // the manager refuses to hear of version 0
    std::string step = owed ? "report" : "heartbeat";
    try {
      if (owed) {
        report_to_manager(run, *owed);
        told = UnchangedTold::kOwedReport;
      } else {
        try {
          run.context.api.heartbeat(run.context.agent_name, run.bounded());
          told = UnchangedTold::kHeartbeat;
        } catch (const ManagerError& e) {
          if (!unknown_agent(e) || run.stop.stop_requested()) throw;
          step = "report";
          registered.emplace(ReportAttempt{report_to_manager(run, registration(run)), std::nullopt});
          told = UnchangedTold::kRegisteredAgain;
        }
      }
    } catch (const ManagerError& e) {
      if (run.stop.stop_requested()) return abandoned();
      return failed(run, version, failure_of(run, step, e));
    }
  }
  run.context.status.update([](SyncState& s) {
    s.record_good_attempt(SyncResult::kUnchanged);
    ++s.syncs_unchanged;
  });
  SyncOutcome outcome;
  outcome.result = SyncOutcome::Result::kUnchanged;
  outcome.version = version;
  outcome.told = told;
  outcome.report = std::move(registered);
  return outcome;
}

// A load failed: recorded, and reported when the manager answered.
SyncOutcome load_failed(const StepRun& run, std::int64_t version, SyncFailure failure,
                        Clock::time_point started) {
  const bool answered = !failure.timed_out && failure.kind && manager_answered(*failure.kind);
  const std::string message = failure.message;
  SyncOutcome outcome = failed(run, version, std::move(failure));
  if (answered && !run.deadline.expired() && run.held && run.held->version != 0) {
    outcome.report = send_report(
        run, LoadReport{run.context.agent_name, run.held->version, false, Clock::now() - started, message});
  }
  return outcome;
}

// Puts in place the snapshot the load wrote as it fetched (when there is a
// state directory), now that its table is served; the error, or "".
std::string persist(Load& load) { return load.commit_snapshot(); }

// A whole version was loaded: serve it, persist it, report it.
SyncOutcome serve_loaded(const StepRun& run, Load load) {
  const SyncContext& context = run.context;
  SyncOutcome outcome;
  outcome.result = SyncOutcome::Result::kLoaded;
  outcome.version = load.rules.version;
  serve_table(context.served, context.status, load.built.table, TableSource::kManager, load.load_duration());
  if (run.options.served_rules) run.options.served_rules(load.rules);  // kept for it (keep_rules)
  outcome.snapshot_error = persist(load);
  if (!outcome.snapshot_error.empty()) {
    context.status.update([](SyncState& s) { ++s.snapshot_write_errors; });
  }
  if (outcome.version != 0) {
    const std::string error =
        join_errors(describe_skipped(load.built.skipped),
                    outcome.snapshot_error.empty() ? std::string() : "snapshot not written: " + outcome.snapshot_error);
    outcome.report = send_report(
        run, LoadReport{context.agent_name, outcome.version, error.empty(), load.load_duration(), error});
  }
  outcome.load = std::move(load);
  return outcome;
}

// on_invalid_rules = reject refused the version loaded: nothing is swapped
// or written; the manager hears of it with the version held.
SyncOutcome reject_loaded(const StepRun& run, Load load) {
  const SyncContext& context = run.context;
  SyncOutcome outcome;
  outcome.result = SyncOutcome::Result::kRejected;
  outcome.version = load.rules.version;
  const std::optional<std::int64_t> serving = run.held ? std::optional(run.held->version) : std::nullopt;
  outcome.rejection = rejection_message(outcome.version, load.built.skipped, serving);
  context.status.update([&](SyncState& s) {
    s.record_good_attempt(SyncResult::kRejected);
    s.last_error = outcome.rejection;
    s.rejected_version = outcome.version;
    ++s.syncs_rejected;
  });
  // The manager refuses version 0; with nothing held, the report names the
  // rejected version, its status "error" saying it is not served.
  const std::int64_t reported = serving && *serving != 0 ? *serving : outcome.version;
  if (reported != 0) {
    outcome.report = send_report(
        run, LoadReport{context.agent_name, reported, false, load.load_duration(), outcome.rejection});
  }
  load.snapshot.reset();  // never put in place: the old snapshot stays
  outcome.load = std::move(load);
  return outcome;
}

// The manager's version is the one rejected before: told as an unchanged
// version would be, with the rejection's report standing for the held one.
SyncOutcome still_rejected(const StepRun& run, std::int64_t version) {
  const std::optional<HeldVersion>& rejected = run.options.rejected;
  const StepRun as_rejected{run.context, rejected, run.options, run.stop, run.deadline};
  SyncOutcome outcome = tell_unchanged(as_rejected, version);
  if (outcome.result != SyncOutcome::Result::kUnchanged) return outcome;
  outcome.result = SyncOutcome::Result::kRejected;
  outcome.rejection = rejected->served_report ? rejected->served_report->error : std::string();
  run.context.status.update([&](SyncState& s) {
    --s.syncs_unchanged;  // counted by tell_unchanged
    ++s.syncs_rejected;
    s.last_result = SyncResult::kRejected;
    s.last_error = outcome.rejection;
    s.rejected_version = version;
  });
  return outcome;
}

SyncOutcome load_and_serve(const StepRun& run, std::int64_t version) {
  if (run.options.loading) run.options.loading(version);
  const SyncContext& context = run.context;
  const auto started = Clock::now();
  std::optional<Load> loaded;
  try {
    loaded.emplace(load_from_manager(context.api, version, context.config.listing_limits,
                                     table_options_from(context.config), run.bounded(),
                                     LoadOutputs{context.config.state_dir, context.config.snapshot_name,
                                                 static_cast<bool>(run.options.served_rules)}));
  } catch (const ManagerError& e) {
    if (run.stop.stop_requested()) return abandoned();
    return load_failed(run, version, failure_of(run, "load", e), started);
  } catch (const std::bad_alloc&) {
    return failed(run, version, SyncFailure{"load", "out of memory while building the table", std::nullopt, false});
  }
  if (run.stop.stop_requested()) return abandoned();
  if (rejects(context.config.on_invalid_rules, loaded->built)) return reject_loaded(run, std::move(*loaded));
  return serve_loaded(run, std::move(*loaded));
}

}  // namespace

SyncOutcome run_sync_step(const SyncContext& context, const std::optional<HeldVersion>& held,
                          std::stop_token stop, const SyncStepOptions& options) {
  StopDeadline deadline(stop, context.config.sync_timeout, options.tick, options.tick_period);
  const StepRun run{context, held, options, stop, deadline};
  context.status.update([](SyncState& s) { s.last_attempt_time = std::chrono::system_clock::now(); });

  std::int64_t version = 0;
  try {
    version = context.api.get_version(run.bounded());
    context.status.update([](SyncState& s) { s.last_check_success_time = std::chrono::system_clock::now(); });
  } catch (const ManagerError& e) {
    if (stop.stop_requested()) return abandoned();
    return failed(run, 0, failure_of(run, "version check", e));
  }
  if (held && held->version == version && !options.force) return tell_unchanged(run, version);
  if (options.rejected && options.rejected->version == version && !options.force) return still_rejected(run, version);
  return load_and_serve(run, version);
}

}  // namespace flecto
