#include "agent/sync/loop.hpp"

#include <new>

#include <spdlog/spdlog.h>

#include "agent/config/agent_name.hpp"
#include "agent/config/duration.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/stop_deadline.hpp"

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

std::string join_errors(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "; " + b;
}

// What a failed step says: the sync's own time-out when it ended the step
// (the client then only saw a cancelled request), else the client's error.
std::string failure_message(const ManagerError& e, const StopDeadline& deadline,
                            std::chrono::milliseconds sync_timeout) {
  return deadline.expired() ? "timed out after " + format_duration(sync_timeout) : std::string(e.what());
}

// Only a manager that answered can take a report of the failure.
bool manager_answered(ManagerError::Kind kind) {
  return kind == ManagerError::Kind::kHttpStatus || kind == ManagerError::Kind::kInvalidData;
}

}  // namespace

SyncLoop::SyncLoop(Config config, ManagerApi& api, ServedTable& served, SyncStatus& status,
                   SyncLoopOptions options)
    : config_(std::move(config)),
      api_(api),
      served_(served),
      status_(status),
      options_(options),
      agent_name_(resolve_agent_name(config_.agent_name)),
      backoff_(options.initial_backoff, config_.interval_check, options.jitter, options.seed) {}

void SyncLoop::request_sync_now() {
  std::lock_guard lock(mutex_);
  sync_now_ = true;
  wake_.notify_all();
}

void SyncLoop::tick() {
  if (tick_) tick_();
}

void SyncLoop::run(std::stop_token stop) {
  tick();
  serve_snapshot();
  auto next = Clock::now();
  while (wait_until(next, stop)) {
    bool ok = sync(stop);
    if (stop.stop_requested()) break;
    std::chrono::milliseconds delay;
    if (ok) {
      backoff_.reset();
      delay = backoff_.jittered_interval(config_.interval_check);
    } else {
      delay = backoff_.next();
      spdlog::info("sync: retrying in {} (failure {} in a row)", format_duration(delay),
                   backoff_.failures());
    }
    next = Clock::now() + delay;
  }
  spdlog::info("sync: stopped");
}

bool SyncLoop::wait_until(Clock::time_point when, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (sync_now_) {
      sync_now_ = false;
      spdlog::info("sync: sync requested");
      return true;
    }
    auto now = Clock::now();
    if (now >= when) return true;
    wake_.wait_until(lock, stop, std::min(when, now + options_.tick_period),
                     [this] { return sync_now_; });
    lock.unlock();
    tick();  // outside the lock: a slow watchdog never delays request_sync_now()
    lock.lock();
  }
  return false;
}

void SyncLoop::serve_snapshot() {
  if (config_.state_dir.empty()) return;
  try {
    std::optional<Rules> rules = read_snapshot(config_.state_dir);
    if (!rules) {
      spdlog::info("snapshot: none at {}", snapshot_path(config_.state_dir));
      return;
    }
    Load load = load_from_rules(std::move(*rules), table_options_from(config_));
    if (served_.current() != nullptr) return;  // something newer is served already
    const TableStats& stats = load.built.table->stats();
    served_.swap_in(load.built.table);
    served_load_ = ServedLoad{load.rules.version, load.load_duration(),
                              describe_skipped(load.built.skipped)};
    status_.update([&](SyncState& s) {
      s.table_source = TableSource::kSnapshot;
      s.last_load_duration = load.load_duration();
    });
    spdlog::info("snapshot: serving version {} from {}: {}, built in {}", load.rules.version,
                 snapshot_path(config_.state_dir), describe_counts(stats),
                 describe_millis(load.build_duration));
    if (!load.built.skipped.empty()) {
      spdlog::warn("snapshot: version {}: {}", load.rules.version, served_load_->error);
    }
  } catch (const SnapshotError& e) {
    spdlog::warn("snapshot: ignored, it cannot be used: {}", e.what());
  } catch (const std::bad_alloc&) {
    spdlog::warn("snapshot: ignored, out of memory while building its table");
  }
}

bool SyncLoop::sync(std::stop_token stop) {
  StopDeadline deadline(stop, config_.sync_timeout, tick_, options_.tick_period);
  std::stop_token bounded = deadline.token();
  status_.update([](SyncState& s) { s.last_attempt_time = std::chrono::system_clock::now(); });
  std::shared_ptr<const Table> current = served_.current();

  std::int64_t version = 0;
  try {
    version = api_.get_version(bounded);
  } catch (const ManagerError& e) {
    if (stop.stop_requested()) return false;
    record_failure("version check", failure_message(e, deadline, config_.sync_timeout));
    return false;
  }

  if (current != nullptr && current->version() == version) {
    const char* told = nullptr;
    // A report still owed is sent in place of the heartbeat: name what failed.
    const char* step = report_owed() ? "report" : "heartbeat";
    try {
      told = tell_manager_served(bounded);
    } catch (const ManagerError& e) {
      if (stop.stop_requested()) return false;
      record_failure(step, failure_message(e, deadline, config_.sync_timeout));
      return false;
    }
    status_.update([](SyncState& s) {
      s.last_result = SyncResult::kUnchanged;
      s.last_error.clear();
      ++s.syncs_unchanged;
    });
    spdlog::info("sync: version {} unchanged, {}", version, told);
    return true;
  }
  spdlog::info("sync: version {} published (serving {}), loading", version,
               current ? std::to_string(current->version()) : std::string("nothing"));
  return load(stop, bounded, deadline);
}

const char* SyncLoop::tell_manager_served(std::stop_token bounded) {
  if (!served_load_ || served_load_->version == 0) return "nothing to report";  // refused by the manager
  if (!report_owed()) {
    api_.heartbeat(agent_name_, bounded);
    return "heartbeat sent";
  }
  // The manager has not heard of this version from us yet.
  LoadReport r{agent_name_, served_load_->version, served_load_->error.empty(),
               served_load_->load_duration, served_load_->error};
  api_.report_load(r, bounded);
  reported_version_ = served_load_->version;
  return "load reported";
}

bool SyncLoop::load(std::stop_token stop, std::stop_token bounded, const StopDeadline& deadline) {
  std::optional<Load> loaded;
  auto started = Clock::now();
  try {
    loaded.emplace(load_from_manager(api_, config_.page_size, table_options_from(config_), bounded));
  } catch (const ManagerError& e) {
    if (stop.stop_requested()) return false;
    const std::string message = failure_message(e, deadline, config_.sync_timeout);
    record_failure("load", message);
    std::shared_ptr<const Table> current = served_.current();
    if (!deadline.expired() && manager_answered(e.kind()) && current != nullptr &&
        current->version() != 0) {
      report(LoadReport{agent_name_, current->version(), false, Clock::now() - started, message},
             bounded);
    }
    return false;
  } catch (const std::bad_alloc&) {
    record_failure("load", "out of memory while building the table");
    return false;
  }
  if (stop.stop_requested()) return false;  // abandoned: nothing swapped, nothing written

  Load& load = *loaded;
  const std::int64_t version = load.rules.version;
  served_.swap_in(load.built.table);

  std::string error = describe_skipped(load.built.skipped);
  bool snapshot_written = true;
  if (!config_.state_dir.empty()) {
    try {
      write_snapshot(config_.state_dir, load.rules);
    } catch (const SnapshotError& e) {
      snapshot_written = false;
      spdlog::warn("snapshot: not written, serving continues: {}", e.what());
      error = join_errors(error, std::string("snapshot not written: ") + e.what());
    }
  }
  served_load_ = ServedLoad{version, load.load_duration(), error};
  status_.update([&](SyncState& s) {
    s.table_source = TableSource::kManager;
    s.last_result = SyncResult::kSuccess;
    s.last_error.clear();
    s.last_success_time = std::chrono::system_clock::now();
    s.last_load_duration = load.load_duration();
    ++s.syncs_success;
    if (!snapshot_written) ++s.snapshot_write_errors;
  });
  spdlog::info("sync: serving version {}: {}; fetch {}{}, build {}, load {}", version,
               describe_counts(load.built.table->stats()), describe_millis(load.fetch_duration),
               load.fetch_attempts > 1
                   ? " (" + std::to_string(load.fetch_attempts) + " attempts, the version moved)"
                   : std::string(),
               describe_millis(load.build_duration), describe_millis(load.load_duration()));
  if (!load.built.skipped.empty()) spdlog::warn("sync: version {}: {}", version, describe_skipped(load.built.skipped));

  if (version != 0 &&
      report(LoadReport{agent_name_, version, error.empty(), load.load_duration(), error}, bounded)) {
    reported_version_ = version;
  }
  return true;
}

bool SyncLoop::report(const LoadReport& r, std::stop_token bounded) {
  try {
    api_.report_load(r, bounded);
    spdlog::debug("sync: reported version {} ({})", r.version, r.success ? "success" : "error");
    return true;
  } catch (const ManagerError& e) {
    // The table is served regardless; the next check reports again in place of a heartbeat.
    if (e.kind() != ManagerError::Kind::kCancelled) {
      spdlog::warn("sync: report of version {} failed: {}", r.version, e.what());
    }
    return false;
  }
}

void SyncLoop::record_failure(const std::string& what, const std::string& message) {
  std::shared_ptr<const Table> current = served_.current();
  spdlog::error("sync: {} failed, serving {} as before: {}", what,
                current ? "version " + std::to_string(current->version()) : std::string("nothing"),
                message);
  status_.update([&](SyncState& s) {
    s.last_result = SyncResult::kError;
    s.last_error = what + ": " + message;
    ++s.syncs_error;
  });
}

}  // namespace flecto
