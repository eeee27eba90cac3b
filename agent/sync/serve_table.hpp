// Swapping a table in, and recording where it came from: the one place
// where a snapshot, a manager's version or a rules file becomes the table
// being served.
//
//   flecto::serve_table(served, status, load.built.table, flecto::TableSource::kManager,
//                       load.load_duration());

#ifndef FLECTO_AGENT_SYNC_SERVE_TABLE_HPP_
#define FLECTO_AGENT_SYNC_SERVE_TABLE_HPP_

#include <chrono>
#include <memory>

#include "agent/rules/served_table.hpp"
#include "agent/sync/status.hpp"
#include "matcher/table.hpp"

namespace flecto {

// Serves `table` (not null) from now on, and records in `status` its source
// and how long its load took (fetch or read, plus build). A table from the
// manager or a rules file also ends a successful sync: last_result
// kSuccess, last_error cleared, last_success_time now, syncs_success + 1. A
// snapshot served at start changes only the source and the load duration:
// no sync happened.
void serve_table(ServedTable& served, SyncStatus& status, std::shared_ptr<const Table> table,
                 TableSource source, std::chrono::nanoseconds load_duration);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_SERVE_TABLE_HPP_
