// The agent's metrics, rendered in the Prometheus text format (version 0.0.4)
// for GET /metrics on the admin listener. Every name starts with flecto_agent_.
//
// Nothing is stored here: the request counters are each project's
// (agent/projects/request_counters.hpp), the table version and rule counts
// come from the table being served, the syncs from a SyncState snapshot, so
// that /metrics can never disagree with /status. Every series of a project
// carries its `namespace` and `project` labels; the requests no project
// answered (refused, or a Host no project lists) carry empty ones.
//
//   std::string text = flecto::render_metrics(
//       {{"prod", "site-fr", served.current(), status.get(), counters.counts()}},
//       unrouted.counts(), reloads.get());

#ifndef FLECTO_AGENT_ADMIN_METRICS_HPP_
#define FLECTO_AGENT_ADMIN_METRICS_HPP_

#include <memory>
#include <string>
#include <vector>

#include "agent/projects/request_counters.hpp"
#include "agent/service/reload_status.hpp"
#include "agent/sync/status.hpp"
#include "matcher/table.hpp"

namespace flecto {

// One project at one moment.
struct ProjectMetrics {
  std::string namespace_code;
  std::string project_code;
  std::shared_ptr<const Table> table;  // being served; null before the first one
  SyncState sync;
  RequestCounts requests;              // the answers it gave
};

// The whole exposition.
std::string render_metrics(const std::vector<ProjectMetrics>& projects, const RequestCounts& unrouted,
                           const ReloadState& reloads);

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_METRICS_HPP_
