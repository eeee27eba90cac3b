// A load: one consistent fetch and the table built from it, timed together
// (the load_duration the manager is told), plus the words used to describe
// it in logs, reports and --sync-once's summary.
//
// The listings are walked page by page into a TableBuilder and, with a
// state directory, into the snapshot's temporary file (agent/sync/load_sink.hpp),
// so that no list of every rule is held on the way; the snapshot is put in
// place by commit_snapshot() once the table is served.
//
//   flecto::Load load = flecto::load_from_manager(api, version, config.listing_limits,
//                                                 flecto::table_options_from(config), stop,
//                                                 {config.state_dir, config.snapshot_name});
//   flecto::serve_table(served, status, load.built.table, flecto::TableSource::kManager,
//                       load.load_duration());
//   std::string snapshot_error = load.commit_snapshot();  // "" when written (or no state_dir)
//   std::string error = flecto::describe_skipped(load.built.skipped);  // "" when none

#ifndef FLECTO_AGENT_SYNC_LOAD_HPP_
#define FLECTO_AGENT_SYNC_LOAD_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"
#include "agent/sync/load_sink.hpp"
#include "agent/sync/snapshot.hpp"
#include "matcher/rule.hpp"
#include "matcher/table.hpp"

namespace flecto {

struct Load {
  // The version loaded (rules.version), and its rules as received when the
  // load was asked to keep them (LoadOutputs::keep_rules); else no items.
  Rules rules;
  BuildResult built;  // the table, and the rules it left out
  int fetch_attempts = 1;
  std::chrono::nanoseconds fetch_duration{0};  // the walk, each item added to the builder as it came
  std::chrono::nanoseconds build_duration{0};  // the table's indexes, once every item came
  std::chrono::nanoseconds load_duration() const { return fetch_duration + build_duration; }

  // The snapshot written during the fetch (LoadOutputs::state_dir set), its
  // temporary file not yet in place; destroyed uncommitted (a rejected
  // version, say), it is removed and the old snapshot stays.
  std::unique_ptr<SnapshotWriter> snapshot;
  std::string snapshot_error;  // why it could not be written, or ""

  // Puts the snapshot in place (SnapshotWriter::commit); returns why it is
  // not written (SnapshotError::what()), or "" when it is or none was asked.
  std::string commit_snapshot();
};

// Fetches one whole version (fetch_rules_into, `version` being the version
// just read), each item going to the table's builder as it is parsed, and
// to the snapshot's temporary file and the Rules as `outputs` asks; then
// builds the table. Throws ManagerError as fetch_rules() does, or
// std::bad_alloc; the temporary file is then removed.
Load load_from_manager(ManagerApi& api, std::int64_t version, const ListingLimits& limits, const TableOptions& options,
                       std::stop_token stop, const LoadOutputs& outputs = {});

// Builds the table of rules already at hand (a snapshot); fetch_duration is 0.
Load load_from_rules(Rules rules, const TableOptions& options);

// The table options the configuration asks for (regex_memory_mb).
TableOptions table_options_from(const Config& config);

// "" when nothing was skipped, else the count and the first one (its source
// cut to 200 bytes, the reason to 300; a report's whole error is then cut
// to the manager's 500 characters by report_for_manager):
//   2 rules skipped; first: redirect #12 "/old": unknown status "GONE"
std::string describe_skipped(const std::vector<SkippedRule>& skipped);

// What a table holds, per type:
//   120 redirects (100 BASIC, 10 BASIC_HOST, 5 REGEX, 5 REGEX_HOST), 3 pages (2 BASIC, 1 BASIC_HOST), 0 skipped
std::string describe_counts(const TableStats& stats);

// Milliseconds with one decimal: "153.2 ms".
std::string describe_millis(std::chrono::nanoseconds d);

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_LOAD_HPP_
