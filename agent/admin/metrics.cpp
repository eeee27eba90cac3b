#include "agent/admin/metrics.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "agent/text/number.hpp"

#include "agent/version.hpp"

namespace flecto {

namespace {

// The answers every scrape shows, at zero too, so that rates start from
// zero; other pairs appear once they happen (a page is never answered 301).
struct Answered {
  RequestOutcome outcome;
  int status;
};
constexpr Answered kAlwaysShown[] = {
    {RequestOutcome::kRedirect, 301}, {RequestOutcome::kRedirect, 302},
    {RequestOutcome::kRedirect, 307}, {RequestOutcome::kRedirect, 308},
    {RequestOutcome::kPage, 200},     {RequestOutcome::kPage, 405},
    {RequestOutcome::kMiss, 404},
};

bool always_shown(RequestOutcome outcome, int status) {
  return std::any_of(std::begin(kAlwaysShown), std::end(kAlwaysShown), [&](const Answered& a) {
    return a.outcome == outcome && a.status == status;
  });
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, const std::string& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += format_number(value);
  out += '\n';
}

// In milliseconds, divided once: the nearest double to the millisecond,
// which prints as it reads ("1796126580.123", not "...580.1230001").
double seconds_since_epoch(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return static_cast<double>(ms) / 1000.0;
}

}  // namespace

std::string render_metrics(const Table* table, const SyncState& sync, const RequestCounts& requests) {
  std::string out;
  out.reserve(8192);

  header(out, "flecto_agent_build_info", "gauge", "The agent's version.");
  sample(out, "flecto_agent_build_info", "version=\"" FLECTO_AGENT_VERSION "\"", 1);

  header(out, "flecto_agent_table_loaded", "gauge",
         "1 once a rule table is being served, 0 before.");
  sample(out, "flecto_agent_table_loaded", "", table ? 1 : 0);

  header(out, "flecto_agent_loaded_version", "gauge",
         "Version of the project's rules being served (0: none).");
  sample(out, "flecto_agent_loaded_version", "", table ? static_cast<double>(table->version()) : 0);

  const TableStats stats = table ? table->stats() : TableStats{};
  header(out, "flecto_agent_rules_loaded", "gauge", "Rules in the table being served, by kind and type.");
  const std::pair<const char*, std::size_t> counts[] = {
      {"kind=\"redirect\",type=\"BASIC\"", stats.basic},
      {"kind=\"redirect\",type=\"BASIC_HOST\"", stats.basic_host},
      {"kind=\"redirect\",type=\"REGEX\"", stats.regex},
      {"kind=\"redirect\",type=\"REGEX_HOST\"", stats.regex_host},
      {"kind=\"page\",type=\"BASIC\"", stats.pages_basic},
      {"kind=\"page\",type=\"BASIC_HOST\"", stats.pages_basic_host},
  };
  for (const auto& [labels, count] : counts) {
    sample(out, "flecto_agent_rules_loaded", labels, static_cast<double>(count));
  }
  header(out, "flecto_agent_rules_skipped", "gauge",
         "Rules of the served version left out as invalid.");
  sample(out, "flecto_agent_rules_skipped", "", static_cast<double>(stats.skipped));

  header(out, "flecto_agent_table_memory_bytes", "gauge", "Heap memory held by the table being served.");
  sample(out, "flecto_agent_table_memory_bytes", "", static_cast<double>(stats.memory_bytes));

  header(out, "flecto_agent_syncs_total", "counter", "Sync attempts since start, by result.");
  sample(out, "flecto_agent_syncs_total", "result=\"success\"", static_cast<double>(sync.syncs_success));
  sample(out, "flecto_agent_syncs_total", "result=\"unchanged\"",
         static_cast<double>(sync.syncs_unchanged));
  sample(out, "flecto_agent_syncs_total", "result=\"error\"", static_cast<double>(sync.syncs_error));

  header(out, "flecto_agent_snapshot_write_errors_total", "counter",
         "Failed writes of the snapshot file since start.");
  sample(out, "flecto_agent_snapshot_write_errors_total", "",
         static_cast<double>(sync.snapshot_write_errors));

  header(out, "flecto_agent_last_success_sync_timestamp_seconds", "gauge",
         "Unix time of the last sync that swapped a table in (0: never).");
  sample(out, "flecto_agent_last_success_sync_timestamp_seconds", "",
         sync.last_success_time ? seconds_since_epoch(*sync.last_success_time) : 0);

  header(out, "flecto_agent_last_check_success_timestamp_seconds", "gauge",
         "Unix time the manager last answered a version check, changed or not (0: never).");
  sample(out, "flecto_agent_last_check_success_timestamp_seconds", "",
         sync.last_check_success_time ? seconds_since_epoch(*sync.last_check_success_time) : 0);

  header(out, "flecto_agent_sync_consecutive_failures", "gauge",
         "Sync attempts that failed in a row (0 after a success or an unchanged check).");
  sample(out, "flecto_agent_sync_consecutive_failures", "", static_cast<double>(sync.consecutive_failures));

  header(out, "flecto_agent_last_load_duration_seconds", "gauge",
         "Time the last load (fetch and build) took.");
  sample(out, "flecto_agent_last_load_duration_seconds", "",
         std::chrono::duration<double>(sync.last_load_duration).count());

  header(out, "flecto_agent_requests_total", "counter",
         "Requests answered by the edge listener, by outcome and status code.");
  const auto answered_sample = [&](RequestOutcome outcome, std::string_view code, std::uint64_t n) {
    sample(out, "flecto_agent_requests_total",
           "outcome=\"" + std::string(to_string(outcome)) + "\",code=\"" + std::string(code) + "\"",
           static_cast<double>(n));
  };
  for (const RequestOutcome outcome : kRequestOutcomes) {
    for (const int status : kCountedStatusCodes) {
      const std::uint64_t n = requests.answered(outcome, status);
      if (n > 0 || always_shown(outcome, status)) answered_sample(outcome, std::to_string(status), n);
    }
    if (const std::uint64_t n = requests.answered(outcome, std::nullopt); n > 0) {
      answered_sample(outcome, "other", n);
    }
  }

  header(out, "flecto_agent_request_duration_seconds", "histogram",
         "Time from a complete request head to its answer being queued.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kRequestDurationBuckets.size(); ++i) {
    cumulative += requests.in_duration_bucket(i);
    sample(out, "flecto_agent_request_duration_seconds_bucket",
           "le=\"" + format_number(kRequestDurationBuckets[i]) + "\"", static_cast<double>(cumulative));
  }
  cumulative += requests.in_duration_bucket(kRequestDurationBuckets.size());
  sample(out, "flecto_agent_request_duration_seconds_bucket", "le=\"+Inf\"",
         static_cast<double>(cumulative));
  sample(out, "flecto_agent_request_duration_seconds_sum", "",
         static_cast<double>(requests.duration_sum_ns()) / 1e9);
  sample(out, "flecto_agent_request_duration_seconds_count", "", static_cast<double>(cumulative));
  return out;
}

}  // namespace flecto
