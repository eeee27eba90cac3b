// The agent as a service: serve the table, keep it in sync, answer signals.
//
// run_daemon() starts the edge listener (and the admin listener unless
// admin_listen is empty), then keeps the table in sync with the manager (or,
// with a rules file, serves that file), until SIGTERM or SIGINT:
// - SIGHUP syncs now (with a rules file: reads the file again; a bad file
//   keeps the table being served).
// - Under systemd (Type=notify) it sends READY=1 once the listeners are up
//   and a table is served or the first sync has been tried, feeds the
//   watchdog while the sync loop is alive, and STOPPING=1 on the way out.

#ifndef FLECTO_AGENT_DAEMON_HPP_
#define FLECTO_AGENT_DAEMON_HPP_

#include "agent/config/config.hpp"

namespace flecto {

// Returns the process's exit status (agent/exit_status.hpp): kExitOk after a
// clean stop, kExitCannotListen when a listener cannot be started, kExitUsage
// when manager_url is invalid or the rules file cannot be served at start.
int run_daemon(const Config& config);

}  // namespace flecto

#endif  // FLECTO_AGENT_DAEMON_HPP_
