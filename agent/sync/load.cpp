#include "agent/sync/load.hpp"

#include <cstdio>

#include "agent/rules/rules_json.hpp"
#include "agent/sync/fetch_rules.hpp"
#include "agent/text/plural.hpp"

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Load load_from_manager(ManagerApi& api, std::int64_t version, const ListingLimits& limits, const TableOptions& options,
                       std::stop_token stop, const LoadOutputs& outputs) {
  auto start = Clock::now();
  LoadSink sink(options, outputs);
  Load load;
  load.fetch_attempts = fetch_rules_into(api, version, limits, stop, sink);
  auto fetched_at = Clock::now();
  load.built = sink.build();
  load.build_duration = Clock::now() - fetched_at;
  load.fetch_duration = fetched_at - start;
  load.rules = sink.take_rules();
  load.snapshot = sink.take_snapshot();
  load.snapshot_error = sink.snapshot_error();
  return load;
}

std::string Load::commit_snapshot() {
  if (!snapshot) return snapshot_error;
  std::unique_ptr<SnapshotWriter> writer = std::move(snapshot);
  try {
    writer->commit();
  } catch (const SnapshotError& e) {
    snapshot_error = e.what();
  }
  return snapshot_error;
}

Load load_from_rules(Rules rules, const TableOptions& options) {
  Load load;
  auto start = Clock::now();
  load.built = Table::build(rules, options);
  load.build_duration = Clock::now() - start;
  load.rules = std::move(rules);
  return load;
}

TableOptions table_options_from(const Config& config) {
  TableOptions options;
  options.regex_memory_budget = config.regex_memory_mb << 20;
  return options;
}

std::string describe_skipped(const std::vector<SkippedRule>& skipped) {
  if (skipped.empty()) return {};
  // A source may be megabytes long (and an RE2 error quotes it again): the
  // report and the log line get the start of each.
  SkippedRule first = skipped.front();
  first.name = shorten_utf8(first.name, 200);
  first.reason = shorten_utf8(first.reason, 300);
  return counted("rule", skipped.size()) + " skipped; first: " + first.describe();
}

std::string describe_counts(const TableStats& s) {
  return counted("redirect", s.redirects()) + " (" + std::to_string(s.basic) + " BASIC, " +
         std::to_string(s.basic_host) + " BASIC_HOST, " + std::to_string(s.regex) + " REGEX, " +
         std::to_string(s.regex_host) + " REGEX_HOST), " + counted("page", s.pages()) + " (" +
         std::to_string(s.pages_basic) + " BASIC, " + std::to_string(s.pages_basic_host) +
         " BASIC_HOST), " + std::to_string(s.skipped) + " skipped";
}

std::string describe_millis(std::chrono::nanoseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(d.count()) / 1e6);
  return text;
}

}  // namespace flecto
