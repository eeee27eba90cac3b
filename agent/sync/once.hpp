// `flecto-agent --sync-once`: one sync for scripts and cron.
//
// Checks the manager's version. When the snapshot already holds it (and not
// `force`), sends the heartbeat and succeeds. Otherwise fetches one whole
// version, builds its table, writes the snapshot, reports the load to the
// manager, and prints one summary line:
//   version 7: 120 redirects (100 BASIC, 10 BASIC_HOST, 5 REGEX, 5 REGEX_HOST), 3 pages (2 BASIC, 1 BASIC_HOST), 0 skipped; load 153.2 ms
// Rules the matcher skipped are reported to the manager as an error and
// printed to `err`, but the sync still succeeds: every other rule is usable.
//
// Exit statuses (kSyncOnce* below): 0 success; 2 configuration or usage
// error (an invalid agent_name or URL, no state_dir, a snapshot that cannot
// be written); 3 the manager is unreachable (connect, TLS, timeout, the whole
// sync exceeding sync_timeout); 4 the manager answered with an HTTP error
// (401, 403, 404, 5xx); 5 the manager's data was invalid (malformed JSON, an
// inconsistent listing, a version that kept moving).
//
// With `quiet`, only errors (and skipped rules) are printed, to `err`.

#ifndef FLECTO_AGENT_SYNC_ONCE_HPP_
#define FLECTO_AGENT_SYNC_ONCE_HPP_

#include <ostream>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"

namespace flecto {

inline constexpr int kSyncOnceOk = 0;
inline constexpr int kSyncOnceConfigError = 2;
inline constexpr int kSyncOnceUnreachable = 3;
inline constexpr int kSyncOnceHttpError = 4;
inline constexpr int kSyncOnceInvalidData = 5;

// Connects to config.manager_url and syncs once. Returns the exit status.
int run_sync_once(const Config& config, bool force, bool quiet, std::ostream& out, std::ostream& err);

// The same with a given manager (tests use a scripted one).
int run_sync_once(const Config& config, ManagerApi& api, bool force, bool quiet, std::ostream& out,
                  std::ostream& err);

// The exit status for a failure of this kind (kCancelled counts as a timeout).
int sync_once_exit_status(ManagerError::Kind kind);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_ONCE_HPP_
