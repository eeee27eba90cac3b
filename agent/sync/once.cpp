#include "agent/sync/once.hpp"

#include <new>
#include <optional>

#include "agent/config/agent_name.hpp"
#include "agent/config/duration.hpp"
#include "agent/exit_status.hpp"
#include "agent/manager/client.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/stop_deadline.hpp"

namespace flecto {
namespace {

constexpr const char* kPrefix = "flecto-agent: sync-once: ";

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
    err << kPrefix << "manager_url: " << e.what() << '\n';
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

  StopDeadline deadline({}, config.sync_timeout);
  std::stop_token stop = deadline.token();
  auto fail = [&](const std::string& step, const ManagerError& e) {
    if (deadline.expired()) {
      err << kPrefix << step << ": timed out after " << format_duration(config.sync_timeout) << '\n';
      return kExitUnreachable;
    }
    err << kPrefix << step << ": " << e.what() << '\n';
    return sync_once_exit_status(e.kind());
  };

  std::int64_t version = 0;
  try {
    version = api.get_version(stop);
  } catch (const ManagerError& e) {
    return fail("version check", e);
  }

  std::optional<std::int64_t> held = read_snapshot_version(config.state_dir);
  if (!force && held == version) {
    if (version != 0) {
      try {
        api.heartbeat(agent_name, stop);
      } catch (const ManagerError& e) {
        return fail("heartbeat", e);
      }
    }
    if (!quiet) out << "version " << version << ": unchanged, the snapshot holds it\n";
    return kExitOk;
  }

  std::optional<Load> loaded;
  auto started = std::chrono::steady_clock::now();
  try {
    loaded.emplace(load_from_manager(api, config.page_size, table_options_from(config), stop));
  } catch (const ManagerError& e) {
    int status = fail("load", e);
    // A manager that answered hears of the failure, with the version this host holds.
    if (!deadline.expired() && status != kExitUnreachable && held && *held != 0) {
      try {
        api.report_load(LoadReport{agent_name, *held, false, std::chrono::steady_clock::now() - started, e.what()},
                        stop);
      } catch (const ManagerError& report_error) {
        err << kPrefix << "report: " << report_error.what() << '\n';
      }
    }
    return status;
  } catch (const std::bad_alloc&) {
    err << kPrefix << "load: out of memory while building the table\n";
    return kExitInvalidData;
  }
  Load& load = *loaded;

  std::string error = describe_skipped(load.built.skipped);
  int status = kExitOk;
  try {
    write_snapshot(config.state_dir, load.rules);
  } catch (const SnapshotError& e) {
    err << kPrefix << "snapshot: " << e.what() << '\n';
    error += (error.empty() ? "" : "; ") + std::string("snapshot not written: ") + e.what();
    status = kExitUsage;
  }
  if (!load.built.skipped.empty()) err << kPrefix << describe_skipped(load.built.skipped) << '\n';

  if (load.rules.version != 0) {
    try {
      api.report_load(LoadReport{agent_name, load.rules.version, error.empty(), load.load_duration(),
                                 error},
                      stop);
    } catch (const ManagerError& e) {
      int report_status = fail("report", e);
      if (status == kExitOk) status = report_status;
    }
  }
  if (!quiet) {
    out << "version " << load.rules.version << ": " << describe_counts(load.built.table->stats())
        << "; load " << describe_millis(load.load_duration()) << '\n';
  }
  return status;
}

}  // namespace flecto
