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
#include <string_view>

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

// A snapshot written as its rules arrive (a sync's listings, page by page),
// so that they are never held whole: the same file write_snapshot writes
// (which is this writer over a Rules), replaced as atomically.
//
//   flecto::SnapshotWriter writer(config.state_dir, version, config.snapshot_name);
//   writer.add_redirect(type, source, target, status);  // every redirect, then every page
//   writer.add_page(type, path, content, content_type);
//   serve(table);
//   writer.commit();  // now <name> is the new snapshot
//
// The constructor creates `state_dir` if it is missing, removes the
// temporary files that interrupted writes left (<name>.tmp-*) and opens a
// new one; items are written through a buffer as they come. commit() ends
// the text, fsyncs it, renames it over <name> and fsyncs the directory. A
// writer destroyed before commit() removes its temporary file, leaving the
// old snapshot as it was; so does a process killed at any instant, but for
// the temporary file, which the next writer removes. Every step throws
// SnapshotError ("/var/lib/x/snapshot.json: write: No space left on
// device"); the writer then only removes its file (its destructor).
class SnapshotWriter {
 public:
  SnapshotWriter(const std::string& state_dir, std::int64_t version, const std::string& name = kSnapshotFileName);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Fields as listed. Every redirect comes before the first page
  // (std::logic_error otherwise: the file holds one list, then the other).
  void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                    std::string_view status);
  void add_page(std::string_view type, std::string_view path, std::string_view content,
                std::string_view content_type);

  void commit();

  // The temporary file being written ("" once committed or failed): tests
  // look for it.
  const std::string& temporary_path() const { return temp_; }

 private:
  void flush();
  [[noreturn]] void fail(const char* step, int error);

  std::string state_dir_;
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  std::string buffer_;
  std::size_t redirects_ = 0;
  std::size_t pages_ = 0;
  bool in_pages_ = false;
};

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
