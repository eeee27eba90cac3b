// Where a load's items go as the listings are walked: a TableBuilder, the
// snapshot's temporary file when a state directory is set (SnapshotWriter,
// agent/sync/snapshot.hpp), and a Rules when the caller keeps them. Each
// item is copied once into the table's arena and once into the file's
// buffer, so a sync holds no list of every rule as strings unless asked to.
//
//   flecto::LoadSink sink(table_options, outputs);
//   int attempts = flecto::fetch_rules_into(api, version, limits, stop, sink);
//   flecto::BuildResult built = sink.build();
//   std::unique_ptr<flecto::SnapshotWriter> snapshot = sink.take_snapshot();  // commit() once served
//
// Each start() (a fetch's attempt) throws away the builder, the temporary
// file and the Rules of the attempt before. A snapshot that cannot be
// written does not fail the load: the writer is dropped (its temporary
// file removed) and snapshot_error() says why.

#ifndef FLECTO_AGENT_SYNC_LOAD_SINK_HPP_
#define FLECTO_AGENT_SYNC_LOAD_SINK_HPP_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/sync/fetch_rules.hpp"
#include "agent/sync/snapshot.hpp"
#include "matcher/rule.hpp"
#include "matcher/table.hpp"
#include "matcher/table_builder.hpp"

namespace flecto {

// What a load makes besides its table.
struct LoadOutputs {
  std::string state_dir;  // "" for no snapshot
  std::string snapshot_name = kSnapshotFileName;
  // Keep the rules as received (Load::rules), for a caller that serves
  // them again (the relay); off, only their version is kept.
  bool keep_rules = false;
};

class LoadSink final : public FetchSink {
 public:
  LoadSink(const TableOptions& options, LoadOutputs outputs);

  void start(std::int64_t version) override;
  void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                    std::string_view status) override;
  void add_page(std::string_view type, std::string_view path, std::string_view content,
                std::string_view content_type) override;

  // The table of the last attempt; the builder is spent. Throws
  // std::bad_alloc.
  BuildResult build();
  // The snapshot written so far (null without a state directory, or when
  // it failed), to commit() once the table is served.
  std::unique_ptr<SnapshotWriter> take_snapshot() { return std::move(snapshot_); }
  // Why the snapshot could not be written (SnapshotError::what()), or "".
  const std::string& snapshot_error() const { return snapshot_error_; }
  // The rules received (keep_rules), else empty lists; with the version.
  Rules take_rules() { return std::move(rules_); }

 private:
  template <typename Write>
  void write_snapshot_item(Write write);

  TableOptions options_;
  LoadOutputs outputs_;
  std::int64_t version_ = 0;
  std::optional<TableBuilder> builder_;
  std::unique_ptr<SnapshotWriter> snapshot_;
  std::string snapshot_error_;
  Rules rules_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_LOAD_SINK_HPP_
