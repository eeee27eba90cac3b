#include "agent/sync/loop.hpp"

#include <malloc.h>

#include <new>

#include <spdlog/spdlog.h>

#include "agent/config/agent_name.hpp"
#include "agent/config/duration.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/serve_table.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/strict_versions.hpp"

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

const char* told_text(UnchangedTold told) {
  switch (told) {
    case UnchangedTold::kHeartbeat: return "heartbeat sent";
    case UnchangedTold::kOwedReport: return "load reported";
    case UnchangedTold::kRegisteredAgain: return "the manager did not know this agent: registered again";
    case UnchangedTold::kNothing: break;
  }
  return "nothing to report";
}

// Gives the memory a load freed back to the system. A load's temporaries
// (the listings as received, every rule as strings) are freed once its
// table is swapped in, but glibc keeps freed memory in the arena of the
// thread that freed it; with a sync thread per project that adds up to
// several times the tables' size (bench/README.md, "Several projects").
void give_back_freed_memory() { ::malloc_trim(0); }

std::string describe_served(const ServedTable& served) {
  std::shared_ptr<const Table> current = served.current();
  return current ? "version " + std::to_string(current->version()) : std::string("nothing");
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
      who_(options.project.empty() ? std::string() : "[" + options.project + "] "),
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
      spdlog::info("{}sync: retrying in {} (failure {} in a row)", who_, format_duration(delay),
                   backoff_.failures());
    }
    next = Clock::now() + delay;
  }
  spdlog::info("{}sync: stopped", who_);
}

bool SyncLoop::wait_until(Clock::time_point when, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (sync_now_) {
      sync_now_ = false;
      spdlog::info("{}sync: sync requested", who_);
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
    const auto started = Clock::now();
    std::optional<BuildResult> built = load_snapshot(config_.state_dir, table_options_from(config_), config_.snapshot_name);
    if (!built) {
      spdlog::info("{}snapshot: none at {}", who_, snapshot_path(config_.state_dir, config_.snapshot_name));
      return;
    }
    const auto took = Clock::now() - started;
    if (served_.current() != nullptr) return;  // something newer is served already
    const std::int64_t version = built->table->version();
    if (rejects(config_.on_invalid_rules, *built)) {
      spdlog::warn("{}snapshot: not served: {}; syncing with the manager", who_,
                   rejection_message(version, built->skipped, std::nullopt));
      return;
    }
    const std::string skipped = describe_skipped(built->skipped);
    serve_table(served_, status_, built->table, TableSource::kSnapshot, took);
    served_report_ = LoadReport{agent_name_, version, skipped.empty(), took, skipped};
    served_report_taken_ = false;
    spdlog::info("{}snapshot: serving version {} from {}: {}, built in {}", who_, version,
                 snapshot_path(config_.state_dir, config_.snapshot_name), describe_counts(built->table->stats()),
                 describe_millis(took));
    if (!skipped.empty()) spdlog::warn("{}snapshot: version {}: {}", who_, version, skipped);
    if (options_.on_served_rules) offer_snapshot_rules(version);
  } catch (const SnapshotError& e) {
    spdlog::warn("{}snapshot: ignored, it cannot be used: {}", who_, e.what());
  } catch (const std::bad_alloc&) {
    spdlog::warn("{}snapshot: ignored, out of memory while building its table", who_);
  }
  give_back_freed_memory();
}

void SyncLoop::offer_snapshot_rules(std::int64_t version) {
  // The fast load built the table without Rules: read them for the relay.
  try {
    std::optional<Rules> rules = read_snapshot(config_.state_dir, config_.snapshot_name);
    if (rules && rules->version == version) {
      options_.on_served_rules(config_, *rules);
    } else {
      spdlog::warn("{}relay: the snapshot changed while it was read; relaying from the next load", who_);
    }
  } catch (const SnapshotError& e) {
    spdlog::warn("{}relay: snapshot not relayed: {}", who_, e.what());
  }
}

std::optional<HeldVersion> SyncLoop::held() const {
  std::shared_ptr<const Table> current = served_.current();
  if (current == nullptr) return std::nullopt;
  HeldVersion serving{current->version(), std::nullopt, served_report_};
  if (served_report_ && served_report_->version != 0 && !served_report_taken_) serving.report_owed = served_report_;
  return serving;
}

bool SyncLoop::sync(std::stop_token stop) {
  SyncStepOptions options;
  options.tick = tick_;
  options.tick_period = options_.tick_period;
  options.rejected = rejected_;
  if (options_.on_served_rules) {
    options.served_rules = [this](const Rules& rules) { options_.on_served_rules(config_, rules); };
  }
  options.loading = [this](std::int64_t version) {
    spdlog::info("{}sync: version {} published (serving {}), loading", who_, version, describe_served(served_));
  };
  SyncOutcome outcome =
      run_sync_step(SyncContext{config_, agent_name_, api_, served_, status_}, held(), stop, options);
  switch (outcome.result) {
    case SyncOutcome::Result::kUnchanged:
      rejected_.reset();  // the manager is back to the version served
      if (outcome.told == UnchangedTold::kOwedReport) served_report_taken_ = true;
      spdlog::info("{}sync: version {} unchanged, {}", who_, outcome.version, told_text(outcome.told));
      return true;
    case SyncOutcome::Result::kRejected:
      log_rejected(outcome);
      if (outcome.load) {
        outcome.load.reset();
        give_back_freed_memory();
      }
      return true;  // not a failure to retry soon: the same version would be refused again
    case SyncOutcome::Result::kLoaded:
      rejected_.reset();
      log_loaded(outcome);
      served_report_ = outcome.report ? std::optional<LoadReport>(outcome.report->report) : std::nullopt;
      served_report_taken_ = outcome.report && !outcome.report->failure;
      outcome.load.reset();
      give_back_freed_memory();
      return true;
    case SyncOutcome::Result::kFailed:
      log_failure(*outcome.failure);
      if (outcome.report) log_report(*outcome.report);
      return false;
    case SyncOutcome::Result::kAbandoned: break;
  }
  return false;
}

void SyncLoop::log_rejected(const SyncOutcome& outcome) {
  if (outcome.load) {  // fetched now: remembered, so that it is not fetched again
    const std::optional<LoadReport> report =
        outcome.report ? std::optional<LoadReport>(outcome.report->report) : std::nullopt;
    const bool taken = outcome.report && !outcome.report->failure;
    rejected_ = HeldVersion{outcome.version, taken ? std::nullopt : report, report};
    spdlog::error("{}sync: {}", who_, outcome.rejection);
    if (outcome.report) log_report(*outcome.report);
    return;
  }
  if (rejected_ && (outcome.told == UnchangedTold::kOwedReport || outcome.told == UnchangedTold::kRegisteredAgain)) {
    rejected_->report_owed.reset();
  }
  spdlog::info("{}sync: version {} still rejected, serving {}; {}", who_, outcome.version, describe_served(served_),
               told_text(outcome.told));
}

void SyncLoop::log_failure(const SyncFailure& failure) const {
  spdlog::error("{}sync: {} failed, serving {} as before: {}", who_, failure.step, describe_served(served_),
                failure.message);
}

void SyncLoop::log_report(const ReportAttempt& attempt) const {
  const LoadReport& r = attempt.report;
  if (!attempt.failure) {
    spdlog::debug("{}sync: reported version {} ({})", who_, r.version, r.success ? "success" : "error");
  } else if (attempt.failure->kind != ManagerError::Kind::kCancelled) {
    // The table is served regardless; the next check reports again in place of a heartbeat.
    spdlog::warn("{}sync: report of version {} failed: {}", who_, r.version, attempt.failure->message);
  }
}

void SyncLoop::log_loaded(const SyncOutcome& outcome) const {
  const Load& load = *outcome.load;
  if (!outcome.snapshot_error.empty()) {
    spdlog::warn("{}snapshot: not written, serving continues: {}", who_, outcome.snapshot_error);
  }
  spdlog::info("{}sync: serving version {}: {}; fetch {}{}, build {}, load {}", who_, outcome.version,
               describe_counts(load.built.table->stats()), describe_millis(load.fetch_duration),
               load.fetch_attempts > 1
                   ? " (" + std::to_string(load.fetch_attempts) + " attempts, the version moved)"
                   : std::string(),
               describe_millis(load.build_duration), describe_millis(load.load_duration()));
  if (!load.built.skipped.empty()) {
    spdlog::warn("{}sync: version {}: {}", who_, outcome.version, describe_skipped(load.built.skipped));
  }
  if (outcome.report) log_report(*outcome.report);
}

}  // namespace flecto
