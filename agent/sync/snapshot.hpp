// The agent's snapshot: the last version it loaded from the manager, kept in
// <state_dir>/snapshot.json (or, one per project, under the name
// Config::snapshot_name gives) so that a restart serves at once, even while
// the manager is down.
//
// The file is a rules file (agent/rules/rules_json.hpp) holding the rules exactly
// as received, with their version. It is replaced atomically: a reader (or a
// crash) sees the old file or the new one, never a half-written file.
//
//   flecto::write_snapshot(config.state_dir, rules);       // throws on I/O errors
//   if (auto rules = flecto::read_snapshot(config.state_dir)) serve(*rules);
//   if (auto built = flecto::load_snapshot(config.state_dir, options)) serve(built->table);

#ifndef FLECTO_AGENT_SYNC_SNAPSHOT_HPP_
#define FLECTO_AGENT_SYNC_SNAPSHOT_HPP_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "matcher/rule.hpp"
#include "matcher/table.hpp"

namespace flecto {

// An unreadable, truncated or corrupt snapshot, or one that cannot be
// written. what() is one line that starts with the file's path.
class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file name of the snapshot of an agent that serves one project.
inline constexpr const char* kSnapshotFileName = "snapshot.json";

// <state_dir>/<name>. `name` is one file name, never a path (see
// agent/projects/snapshot_name.hpp for the names of several projects').
std::string snapshot_path(const std::string& state_dir, const std::string& name = kSnapshotFileName);

// Writes `rules` to the snapshot: creates `state_dir` if it is missing,
// removes temporary files that interrupted writes left (<name>.tmp-*),
// writes a temporary file, fsyncs it, renames it over <name> and fsyncs
// the directory. On failure the old snapshot is left as it was, the temporary
// file is removed, and SnapshotError is thrown ("/var/lib/x/snapshot.json:
// write: No space left on device").
void write_snapshot(const std::string& state_dir, const Rules& rules,
                    const std::string& name = kSnapshotFileName);

// The rules in the snapshot, or std::nullopt when there is no snapshot file.
// Throws SnapshotError when it exists but cannot be read or parsed.
std::optional<Rules> read_snapshot(const std::string& state_dir, const std::string& name = kSnapshotFileName);

// The table of the snapshot, built straight from the file's text
// (agent/rules/rules_load.hpp: no Rules in between, the text given back as
// it is read), or std::nullopt when there is no snapshot file. Throws
// SnapshotError with read_snapshot()'s messages, or std::bad_alloc.
std::optional<BuildResult> load_snapshot(const std::string& state_dir, const TableOptions& options,
                                         const std::string& name = kSnapshotFileName);

// The version the snapshot holds, or std::nullopt when there is no snapshot
// or it cannot be read or parsed (a corrupt snapshot holds no version).
std::optional<std::int64_t> read_snapshot_version(const std::string& state_dir,
                                                  const std::string& name = kSnapshotFileName);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_SNAPSHOT_HPP_
