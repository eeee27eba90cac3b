#include "agent/sync/once.hpp"

#include <optional>

#include "agent/config/agent_name.hpp"
#include "agent/exit_status.hpp"
#include "agent/manager/client.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/status.hpp"
#include "agent/sync/step.hpp"

namespace flecto {
namespace {

constexpr const char* kPrefix = "flecto-agent: sync-once: ";

int exit_status_of(const SyncFailure& failure) {
  if (failure.timed_out) return kExitUnreachable;
  if (!failure.kind) return kExitInvalidData;  // the table did not fit in memory
  // An HTTP error from a proxy or load balancer in front of a manager that
  // is down is the manager being unreachable (the step asked /health/ping).
  if (failure.manager_down) return kExitUnreachable;
  return sync_once_exit_status(*failure.kind);
}

// Prints the failure (its message carries the step's diagnosis); returns
// the exit status.
int report_failure(std::ostream& err, const SyncFailure& failure) {
  err << kPrefix << failure.step << ": " << failure.message << '\n';
  return exit_status_of(failure);
}

// What a load prints; returns the exit status.
int finish_loaded(const SyncOutcome& outcome, bool quiet, std::ostream& out, std::ostream& err) {
  const Load& load = *outcome.load;
  int status = kExitOk;
  if (!outcome.snapshot_error.empty()) {
    err << kPrefix << "snapshot: " << outcome.snapshot_error << '\n';
    status = kExitUsage;
  }
  if (!load.built.skipped.empty()) err << kPrefix << describe_skipped(load.built.skipped) << '\n';
  if (outcome.report && outcome.report->failure) {
    const int report_status = report_failure(err, *outcome.report->failure);
    if (status == kExitOk) status = report_status;
  }
  if (!quiet) {
    out << "version " << outcome.version << ": " << describe_counts(load.built.table->stats()) << "; load "
        << describe_millis(load.load_duration()) << '\n';
  }
  return status;
}

}  // namespace

int sync_once_exit_status(ManagerError::Kind kind) {
  switch (kind) {
    case ManagerError::Kind::kHttpStatus: return kExitHttpError;
    case ManagerError::Kind::kInvalidData: return kExitInvalidData;
    case ManagerError::Kind::kUnreachable:
    case ManagerError::Kind::kCancelled: break;
  }
  return kExitUnreachable;
}

int run_sync_once(const Config& config, bool force, bool quiet, std::ostream& out, std::ostream& err) {
  std::optional<ManagerClient> client;
  try {
    client.emplace(manager_settings_from(config));
  } catch (const std::invalid_argument& e) {
    // A bad proxy variable names itself ("HTTPS_PROXY: ..."); the rest is the URL's.
    const std::string what = e.what();
    const bool names_proxy = what.find("_PROXY: ") != std::string::npos || what.rfind("proxy_url: ", 0) == 0;
    err << kPrefix << (names_proxy ? "" : "manager_url: ") << what << '\n';
    return kExitUsage;
  }
  return run_sync_once(config, *client, force, quiet, out, err);
}

int run_sync_once(const Config& config, ManagerApi& api, bool force, bool quiet, std::ostream& out,
                  std::ostream& err) {
  std::string agent_name;
  try {
    agent_name = resolve_agent_name(config.agent_name);
  } catch (const std::invalid_argument& e) {
    err << kPrefix << e.what() << '\n';
    return kExitUsage;
  }
  if (config.state_dir.empty()) {
    err << kPrefix << "state_dir: not set\n";
    return kExitUsage;
  }

  // This host holds what its snapshot holds. Whether the manager took that
  // version's report is not known here: an unchanged version gets a heartbeat.
  std::optional<HeldVersion> held;
  if (std::optional<std::int64_t> version = read_snapshot_version(config.state_dir, config.snapshot_name)) {
    held = HeldVersion{*version, std::nullopt};
  }
  ServedTable served;  // the table is built, and dropped on the way out
  SyncStatus status;
  SyncStepOptions options;
  options.force = force;
  SyncOutcome outcome = run_sync_step(SyncContext{config, agent_name, api, served, status}, held, {}, options);
  switch (outcome.result) {
    case SyncOutcome::Result::kUnchanged:
      if (!quiet) out << "version " << outcome.version << ": unchanged, the snapshot holds it\n";
      return kExitOk;
    case SyncOutcome::Result::kLoaded:
      return finish_loaded(outcome, quiet, out, err);
    case SyncOutcome::Result::kRejected:
      // The snapshot keeps what it held; the manager was told.
      err << kPrefix << outcome.rejection << '\n';
      if (outcome.report && outcome.report->failure) report_failure(err, *outcome.report->failure);
      return kExitInvalidData;
    case SyncOutcome::Result::kFailed: {
      const int exit_status = report_failure(err, *outcome.failure);
      if (outcome.report && outcome.report->failure) {
        err << kPrefix << outcome.report->failure->step << ": " << outcome.report->failure->message << '\n';
      }
      return exit_status;
    }
    case SyncOutcome::Result::kAbandoned: break;  // nothing stops this step from outside
  }
  return kExitUnreachable;
}

}  // namespace flecto
