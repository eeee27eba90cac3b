// The exit statuses of flecto-agent, for every way it runs (the daemon,
// --sync-once, `match`). Scripts and systemd tell failures apart by them, so
// a value never changes meaning.

#ifndef FLECTO_AGENT_EXIT_STATUS_HPP_
#define FLECTO_AGENT_EXIT_STATUS_HPP_

namespace flecto {

// Success: a clean stop (SIGTERM, SIGINT), a sync done, every query answered.
inline constexpr int kExitOk = 0;
// The daemon cannot start a listener (the address is taken or invalid).
inline constexpr int kExitCannotListen = 1;
// A usage or configuration error, or input that cannot be used: bad flags or
// settings, an invalid agent_name or manager_url, no state_dir for
// --sync-once, a snapshot that cannot be written, a rules file that cannot be
// served at start or read by `match`, a malformed query line.
inline constexpr int kExitUsage = 2;
// --sync-once: the manager is unreachable (connect, TLS, timeout, the whole
// sync exceeding sync_timeout).
inline constexpr int kExitUnreachable = 3;
// --sync-once: the manager answered with an HTTP error (401, 403, 404, 5xx).
inline constexpr int kExitHttpError = 4;
// --sync-once: the manager's data was invalid (malformed JSON, an
// inconsistent listing, a version that kept moving), or its table did not
// fit in memory.
inline constexpr int kExitInvalidData = 5;

}  // namespace flecto

#endif  // FLECTO_AGENT_EXIT_STATUS_HPP_
