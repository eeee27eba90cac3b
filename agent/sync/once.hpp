// `flecto-agent --sync-once`: one sync for scripts and cron.
//
// Runs one sync step (agent/sync/step.hpp) against the version the snapshot
// holds. When the manager's version is that one (and not `force`), sends the
// heartbeat and succeeds. Otherwise fetches one whole version, builds its
// table, writes the snapshot, reports the load to the manager, and prints
// one summary line:
//   version 7: 120 redirects (100 BASIC, 10 BASIC_HOST, 5 REGEX, 5 REGEX_HOST), 3 pages (2 BASIC, 1 BASIC_HOST), 0 skipped; load 153.2 ms
// Rules the matcher skipped are reported to the manager as an error and
// printed to `err`, but the sync still succeeds: every other rule is usable.
// With on_invalid_rules = "reject", such a version is rejected instead
// (agent/sync/strict_versions.hpp): the snapshot is left as it was, the
// manager gets the rejection as an error, the message goes to `err`, and the
// exit status is kExitInvalidData. (Each run fetches the version again: a
// run keeps no memory of the last one's rejection.)
//
// Exit statuses (agent/exit_status.hpp): kExitOk; kExitUsage for an invalid
// agent_name, URL or proxy, no state_dir, a snapshot that cannot be written;
// kExitUnreachable, kExitHttpError or kExitInvalidData by the kind of the
// manager's failure (a sync exceeding sync_timeout is unreachable; a table
// too large for memory is invalid data).
//
// An HTTP error or an unreachable manager is diagnosed with GET /health/ping
// (agent/sync/diagnose.hpp), and the message says what that tells: a manager
// that answers it has a wrong token, namespace or project (kExitHttpError);
// one that does not is down (kExitUnreachable, even when a proxy in front of
// it answered the sync with an HTTP error).
//
// With `quiet`, only errors (and skipped rules) are printed, to `err`.

#ifndef FLECTO_AGENT_SYNC_ONCE_HPP_
#define FLECTO_AGENT_SYNC_ONCE_HPP_

#include <ostream>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"

namespace flecto {

// Connects to config.manager_url and syncs once. Returns the exit status.
int run_sync_once(const Config& config, bool force, bool quiet, std::ostream& out, std::ostream& err);

// The same with a given manager (tests use a scripted one).
int run_sync_once(const Config& config, ManagerApi& api, bool force, bool quiet, std::ostream& out,
                  std::ostream& err);

// The exit status for a failure of this kind (kCancelled counts as a timeout).
int sync_once_exit_status(ManagerError::Kind kind);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_ONCE_HPP_
