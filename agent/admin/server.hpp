// The admin listener (admin_listen, default 127.0.0.1:9090): what operators
// and monitoring ask a running agent.
//
//   GET /healthz  200 "ok" while the process runs.
//   GET /readyz   200 "ready" once every project serves a table, 503 "not
//                 ready: ..." before, naming the projects that do not.
//   GET /metrics  Prometheus text format (see metrics.hpp).
//   GET /status   JSON: every project with its hosts, manager URL (user and
//                 password removed; the token is never known here),
//                 namespace, project, served version, its source and rule
//                 counts, its last sync's time, result and error, totals,
//                 snapshot path; the configuration reloads (status_json.hpp).
//   GET /match?host=H&uri=U
//                 the JSON line of the `match` command (match_json.hpp) from
//                 the project that answers H, as the edge picks it, with that
//                 project's label first ("project": null when none does);
//                 400 without both parameters, 503 before that project serves
//                 a table. The parameters are URL-decoded ('+' is a space):
//                 encode a '+', '&', '%' or '#' of the uri (curl -G
//                 --data-urlencode does). With query_fallback, as the edge:
//                 "query_fallback": true says the path alone matched.
// Anything else is 404; other methods on these paths 405.
//
//   flecto::AdminServer admin(projects, unrouted, reloads, {.agent_name = name});
//   admin.start(flecto::parse_listen_address(config.admin_listen));  // throws if it cannot bind
//   ...
//   admin.stop();  // also done by the destructor
//
// Served with cpp-httplib on a small thread pool: this listener is for a
// few local clients, and its answers are built from snapshots, so it never
// slows the edge listener.

#ifndef FLECTO_AGENT_ADMIN_SERVER_HPP_
#define FLECTO_AGENT_ADMIN_SERVER_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "agent/config/listen_address.hpp"
#include "agent/edge/request_match.hpp"
#include "agent/projects/request_counters.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/relay/relay_counters.hpp"
#include "agent/relay/relay_store.hpp"
#include "agent/service/reload_status.hpp"

namespace httplib {
class Server;
}

namespace flecto {

// The fixed facts /status reports (the projects' own are in their
// ProjectIdentity).
struct AdminInfo {
  std::string agent_name;
  QueryOptions query = {};  // /match answers as the edge does: query_fallback, query_preserve
};

class AdminServer {
 public:
  // The referenced objects must outlive the server. `unrouted` counts the
  // edge's answers that no project gave.
  AdminServer(const ServedProjects& projects, const RequestCounters& unrouted, const ReloadStatus& reloads,
              AdminInfo info);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds `address` and serves from a background thread; returns once it
  // accepts connections. Throws std::runtime_error ("cannot listen on
  // 127.0.0.1:9090: ...") when it cannot bind, std::logic_error when started.
  void start(const ListenAddress& address);

  // Adds the relay's counters and versions (agent/relay/) to /metrics and,
  // as "relay", to /status. Before start(); both must outlive the server.
  void show_relay(const RelayStore& store, const RelayCounters& counters) {
    relay_store_ = &store;
    relay_counters_ = &counters;
  }

  std::uint16_t port() const { return port_; }  // 0 before start()

  // Stops serving and joins the thread. Idempotent.
  void stop();

 private:
  void route();

  const ServedProjects& projects_;
  const RequestCounters& unrouted_;
  const ReloadStatus& reloads_;
  AdminInfo info_;
  const RelayStore* relay_store_ = nullptr;  // null: no relay
  const RelayCounters* relay_counters_ = nullptr;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_SERVER_HPP_
