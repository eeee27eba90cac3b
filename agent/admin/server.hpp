// The admin listener (admin_listen, default 127.0.0.1:9090): what operators
// and monitoring ask a running agent.
//
//   GET /healthz  200 "ok" while the process runs.
//   GET /readyz   200 "ready" once a table is being served, 503 "not ready" before.
//   GET /metrics  Prometheus text format (see metrics.hpp).
//   GET /status   JSON: agent name and version, manager URL (user and password
//                 removed; the token is never known here), namespace,
//                 project, rules file, served version, its source and rule
//                 counts, the last sync's time, result and error, totals,
//                 snapshot path. Times are RFC 3339 UTC or null.
//   GET /match?host=H&uri=U
//                 the JSON line of the `match` command (match_json.hpp)
//                 against the table being served; 400 without both
//                 parameters, 503 before a table is served. The parameters
//                 are URL-decoded ('+' is a space): encode a '+', '&', '%'
//                 or '#' of the uri (curl -G --data-urlencode does).
// Anything else is 404; other methods on these paths 405.
//
//   flecto::AdminServer admin(served, sync, counters, info);
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
#include "agent/projects/request_counters.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/status.hpp"

namespace httplib {
class Server;
}

namespace flecto {

// The fixed facts /status reports; the daemon fills it from its Config.
struct AdminInfo {
  std::string agent_name;
  std::string manager_url;     // user info, if any, is removed before it is shown
  std::string namespace_code;
  std::string project_code;
  std::string rules_file;      // set when serving a rules file without a manager
  std::string snapshot_path;
};

class AdminServer {
 public:
  // The referenced objects must outlive the server.
  AdminServer(const ServedTable& served, const SyncStatus& sync, const RequestCounters& requests,
              AdminInfo info);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds `address` and serves from a background thread; returns once it
  // accepts connections. Throws std::runtime_error ("cannot listen on
  // 127.0.0.1:9090: ...") when it cannot bind, std::logic_error when started.
  void start(const ListenAddress& address);

  std::uint16_t port() const { return port_; }  // 0 before start()

  // Stops serving and joins the thread. Idempotent.
  void stop();

 private:
  void route();
  std::string status_json() const;  // the body of GET /status

  const ServedTable& served_;
  const SyncStatus& sync_;
  const RequestCounters& requests_;
  AdminInfo info_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

// `url` without "user:password@" (a token pasted into a URL must not leak).
std::string redact_url_credentials(std::string_view url);

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_SERVER_HPP_
