// on_invalid_rules = "reject": a version in which any rule is invalid (one
// that Table::build skips) is not served, as Envoy refuses a bad
// configuration update and the Go client a version with a bad rule.
//
// Where it applies: a version from the manager (agent/sync/step.hpp: the
// table held before keeps serving, the snapshot is not replaced, the
// manager gets a report of the error), the snapshot served at start (the
// sync then loads from the manager), and a --rules file (an error at start;
// on SIGHUP the table served keeps serving).
//
//   if (rejects(config.on_invalid_rules, load.built))
//     why = rejection_message(load.rules.version, load.built.skipped, held_version);
//
// Pure functions; thread-safe.

#ifndef FLECTO_AGENT_SYNC_STRICT_VERSIONS_HPP_
#define FLECTO_AGENT_SYNC_STRICT_VERSIONS_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "matcher/table.hpp"

namespace flecto {

// True when `policy` refuses to serve `built`: kReject, and a rule skipped.
bool rejects(InvalidRules policy, const BuildResult& built);

// The error of a rejected version, for the logs, /status and the manager's
// report, its start saying what happened (the report is cut at 500
// characters); the first rule's source is cut to 200 bytes, its reason to
// 300, as describe_skipped() does:
//   version 8 rejected (on_invalid_rules = reject), serving version 7 as before: 2 invalid rules; first: redirect #12 "/old": unknown status "GONE"
// `serving`: the version held (served, or in the snapshot for --sync-once);
// none: "..., serving nothing: ...".
std::string rejection_message(std::int64_t version, const std::vector<SkippedRule>& skipped,
                              std::optional<std::int64_t> serving);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_STRICT_VERSIONS_HPP_
