// What the agent knows about its syncs, for logs, /status and /metrics.
//
// The sync loop writes it; the admin server reads snapshots of it. All
// methods are thread-safe. The enums are words only at the edges (/status,
// /metrics, logs): to_text() gives the one spelling of each.

#ifndef FLECTO_AGENT_SYNC_STATUS_HPP_
#define FLECTO_AGENT_SYNC_STATUS_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace flecto {

// Where the table being served came from.
enum class TableSource { kNone, kSnapshot, kManager, kRulesFile };
// How the last sync attempt ended: kSuccess swapped a table in, kUnchanged
// found the served version, kRejected found a version that
// on_invalid_rules = "reject" refuses (agent/sync/strict_versions.hpp).
enum class SyncResult { kNone, kSuccess, kUnchanged, kError, kRejected };

// "none", "snapshot", "manager", "rules-file".
std::string_view to_text(TableSource source);
// "none", "success", "unchanged", "error", "rejected".
std::string_view to_text(SyncResult result);

struct SyncState {
  TableSource table_source = TableSource::kNone;
  // The last sync attempt (a version check, with a fetch when it changed).
  std::optional<std::chrono::system_clock::time_point> last_attempt_time;
  SyncResult last_result = SyncResult::kNone;
  std::string last_error;  // set when last_result is kError or kRejected (why)
  // The manager's version that was rejected, while it still is the
  // manager's (last_result kRejected); 0 otherwise.
  std::int64_t rejected_version = 0;
  // The last time the manager answered a version check, changed or not:
  // "the sync is stale" is how long ago this was.
  std::optional<std::chrono::system_clock::time_point> last_check_success_time;
  // Attempts that failed in a row (0 after a success or an unchanged check),
  // and when the first of them began.
  std::uint64_t consecutive_failures = 0;
  std::optional<std::chrono::system_clock::time_point> failing_since;
  // The last load (fetch plus build) that swapped a table in.
  std::optional<std::chrono::system_clock::time_point> last_success_time;
  std::chrono::nanoseconds last_load_duration{0};
  // Totals since start.
  std::uint64_t syncs_success = 0;    // loads that swapped a new table in
  std::uint64_t syncs_unchanged = 0;  // checks that found the same version
  std::uint64_t syncs_error = 0;      // attempts that failed
  std::uint64_t syncs_rejected = 0;   // checks that found a rejected version (fetched, or known)
  std::uint64_t snapshot_write_errors = 0;

  // An attempt that went well (kSuccess or kUnchanged): its result, no
  // error, and the end of a run of failures.
  void record_good_attempt(SyncResult result) {
    last_result = result;
    last_error.clear();
    rejected_version = 0;
    consecutive_failures = 0;
    failing_since.reset();
  }
};

class SyncStatus {
 public:
  SyncState get() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  void update(const std::function<void(SyncState&)>& change) {
    std::lock_guard lock(mutex_);
    change(state_);
  }

 private:
  mutable std::mutex mutex_;
  SyncState state_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_STATUS_HPP_
