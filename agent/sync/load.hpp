// A load: one consistent fetch and the table built from it, timed together
// (the load_duration the manager is told), plus the words used to describe
// it in logs, reports and --sync-once's summary.
//
//   flecto::Load load = flecto::load_from_manager(api, version, config.listing_limits,
//                                                 flecto::table_options_from(config), stop);
//   flecto::serve_table(served, status, load.built.table, flecto::TableSource::kManager,
//                       load.load_duration());
//   std::string error = flecto::describe_skipped(load.built.skipped);  // "" when none

#ifndef FLECTO_AGENT_SYNC_LOAD_HPP_
#define FLECTO_AGENT_SYNC_LOAD_HPP_

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"
#include "matcher/rule.hpp"
#include "matcher/table.hpp"

namespace flecto {

struct Load {
  Rules rules;        // as received: what the snapshot holds
  BuildResult built;  // the table, and the rules it left out
  int fetch_attempts = 1;
  std::chrono::nanoseconds fetch_duration{0};
  std::chrono::nanoseconds build_duration{0};
  std::chrono::nanoseconds load_duration() const { return fetch_duration + build_duration; }
};

// Fetches one whole version (fetch_rules, `version` being the version just
// read) and builds its table. Throws ManagerError as fetch_rules() does, or
// std::bad_alloc.
Load load_from_manager(ManagerApi& api, std::int64_t version, const ListingLimits& limits, const TableOptions& options,
                       std::stop_token stop);

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
