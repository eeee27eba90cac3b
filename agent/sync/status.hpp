// What the agent knows about its syncs, for logs, /status and /metrics.
//
// The sync loop writes it; the admin server reads snapshots of it. All
// methods are thread-safe.

#ifndef FLECTO_AGENT_SYNC_STATUS_HPP_
#define FLECTO_AGENT_SYNC_STATUS_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace flecto {

struct SyncState {
  // Where the table being served came from: "none", "snapshot", "manager"
  // or "rules-file".
  std::string table_source = "none";
  // The last sync attempt (a version check, with a fetch when it changed).
  std::optional<std::chrono::system_clock::time_point> last_attempt_time;
  std::string last_result = "none";  // "none", "success", "unchanged" or "error"
  std::string last_error;            // set when last_result is "error"
  // The last load (fetch plus build) that swapped a table in.
  std::optional<std::chrono::system_clock::time_point> last_success_time;
  std::chrono::nanoseconds last_load_duration{0};
  // Totals since start.
  std::uint64_t syncs_success = 0;    // loads that swapped a new table in
  std::uint64_t syncs_unchanged = 0;  // checks that found the same version
  std::uint64_t syncs_error = 0;      // attempts that failed
  std::uint64_t snapshot_write_errors = 0;
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
