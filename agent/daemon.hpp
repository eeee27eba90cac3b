// The agent as a service: serve the projects' tables, keep them in sync,
// answer signals.
//
// run_daemon() starts the edge listener (and the admin listener unless
// admin_listen is empty), then keeps each project's table in sync with its
// manager (or, with a rules file, serves that file), until SIGTERM or SIGINT:
// - SIGHUP reloads the configuration (agent/service/reload.hpp: a valid one
//   is applied without dropping a request, an invalid one is logged and the
//   old one kept) and syncs every project now. With a rules file it reads
//   the file again (a bad file keeps the table being served).
// - Under systemd (Type=notify) it sends READY=1 once the listeners are up
//   and every project serves a table or has tried its first sync,
//   RELOADING=1 ... READY=1 around a reload, feeds the watchdog while every
//   sync loop is alive, and STOPPING=1 on the way out.

#ifndef FLECTO_AGENT_DAEMON_HPP_
#define FLECTO_AGENT_DAEMON_HPP_

#include "agent/config/config.hpp"
#include "agent/config/loader.hpp"

namespace flecto {

// `config` was loaded from `sources`, which a reload reads again. Returns
// the process's exit status (agent/exit_status.hpp): kExitOk after a clean
// stop, kExitCannotListen when a listener cannot be started, kExitUsage when
// a manager_url is invalid or the rules file cannot be served at start.
int run_daemon(const Config& config, const ConfigSources& sources);

}  // namespace flecto

#endif  // FLECTO_AGENT_DAEMON_HPP_
