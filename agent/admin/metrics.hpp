// The agent's metrics, rendered in the Prometheus text format (version 0.0.4)
// for GET /metrics on the admin listener. Every name starts with flecto_agent_.
//
// Nothing is stored here: the request counters are the edge listener's
// (agent/projects/request_counters.hpp), the table version and rule counts come
// from the table being served, the syncs from a SyncState snapshot, so that
// /metrics can never disagree with /status.
//
//   std::string text = flecto::render_metrics(served.current().get(), sync.get(),
//                                             counters.counts());

#ifndef FLECTO_AGENT_ADMIN_METRICS_HPP_
#define FLECTO_AGENT_ADMIN_METRICS_HPP_

#include <string>

#include "agent/projects/request_counters.hpp"
#include "agent/sync/status.hpp"
#include "matcher/table.hpp"

namespace flecto {

// The whole exposition. `table` is the table being served (null before the
// first one); `sync` a snapshot of the sync state; `requests` the edge
// listener's counters at one moment.
std::string render_metrics(const Table* table, const SyncState& sync, const RequestCounts& requests);

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_METRICS_HPP_
