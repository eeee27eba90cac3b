#include "agent/sync/serve_table.hpp"

#include <utility>

namespace flecto {

void serve_table(ServedTable& served, SyncStatus& status, std::shared_ptr<const Table> table,
                 TableSource source, std::chrono::nanoseconds load_duration) {
  served.swap_in(std::move(table));
  status.update([&](SyncState& s) {
    s.table_source = source;
    s.last_load_duration = load_duration;
    if (source == TableSource::kSnapshot) return;
    s.record_good_attempt(SyncResult::kSuccess);
    s.last_success_time = std::chrono::system_clock::now();
    ++s.syncs_success;
  });
}

}  // namespace flecto
