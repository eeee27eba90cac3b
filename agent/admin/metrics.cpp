#include "agent/admin/metrics.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <string_view>

#include "agent/text/number.hpp"
#include "agent/text/prometheus_labels.hpp"
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

std::string render_metrics(const std::vector<ProjectMetrics>& projects, const RequestCounts& unrouted,
                           const ReloadState& reloads) {
  std::string out;
  out.reserve(4096 + 4096 * projects.size());
  // Each project's labels, "namespace=\"..\",project=\"..\"".
  std::vector<std::string> labels;
  for (const ProjectMetrics& p : projects) {
    labels.push_back(prometheus_project_labels(p.namespace_code, p.project_code));
  }
  const auto with = [](const std::string& project, const std::string& more) {
    return more.empty() ? project : project + "," + more;
  };
  // One sample per project of a gauge or counter.
  const auto per_project = [&](const char* name, const char* type, const char* help,
                               const std::function<double(const ProjectMetrics&)>& value) {
    header(out, name, type, help);
    for (std::size_t i = 0; i < projects.size(); ++i) sample(out, name, labels[i], value(projects[i]));
  };

  header(out, "flecto_agent_build_info", "gauge", "The agent's version.");
  sample(out, "flecto_agent_build_info", "version=\"" FLECTO_AGENT_VERSION "\"", 1);

  header(out, "flecto_agent_projects", "gauge", "Projects this host serves.");
  sample(out, "flecto_agent_projects", "", static_cast<double>(projects.size()));

  per_project("flecto_agent_table_loaded", "gauge", "1 once a rule table is being served, 0 before.",
              [](const ProjectMetrics& p) { return p.table ? 1.0 : 0.0; });
  per_project("flecto_agent_loaded_version", "gauge", "Version of the project's rules being served (0: none).",
              [](const ProjectMetrics& p) { return p.table ? static_cast<double>(p.table->version()) : 0.0; });

  header(out, "flecto_agent_rules_loaded", "gauge", "Rules in the table being served, by kind and type.");
  for (std::size_t i = 0; i < projects.size(); ++i) {
    const TableStats stats = projects[i].table ? projects[i].table->stats() : TableStats{};
    const std::pair<const char*, std::size_t> counts[] = {
        {"kind=\"redirect\",type=\"BASIC\"", stats.basic},
        {"kind=\"redirect\",type=\"BASIC_HOST\"", stats.basic_host},
        {"kind=\"redirect\",type=\"REGEX\"", stats.regex},
        {"kind=\"redirect\",type=\"REGEX_HOST\"", stats.regex_host},
        {"kind=\"page\",type=\"BASIC\"", stats.pages_basic},
        {"kind=\"page\",type=\"BASIC_HOST\"", stats.pages_basic_host},
    };
    for (const auto& [kind, count] : counts) {
      sample(out, "flecto_agent_rules_loaded", with(labels[i], kind), static_cast<double>(count));
    }
  }
  per_project("flecto_agent_rules_skipped", "gauge", "Rules of the served version left out as invalid.",
              [](const ProjectMetrics& p) { return p.table ? static_cast<double>(p.table->stats().skipped) : 0.0; });
  per_project("flecto_agent_table_memory_bytes", "gauge", "Heap memory held by the table being served.",
              [](const ProjectMetrics& p) {
                return p.table ? static_cast<double>(p.table->stats().memory_bytes) : 0.0;
              });

  header(out, "flecto_agent_syncs_total", "counter", "Sync attempts since start, by result.");
  for (std::size_t i = 0; i < projects.size(); ++i) {
    const SyncState& sync = projects[i].sync;
    sample(out, "flecto_agent_syncs_total", with(labels[i], "result=\"success\""),
           static_cast<double>(sync.syncs_success));
    sample(out, "flecto_agent_syncs_total", with(labels[i], "result=\"unchanged\""),
           static_cast<double>(sync.syncs_unchanged));
    sample(out, "flecto_agent_syncs_total", with(labels[i], "result=\"error\""),
           static_cast<double>(sync.syncs_error));
    sample(out, "flecto_agent_syncs_total", with(labels[i], "result=\"rejected\""),
           static_cast<double>(sync.syncs_rejected));
  }
  per_project("flecto_agent_snapshot_write_errors_total", "counter",
              "Failed writes of the snapshot file since start.",
              [](const ProjectMetrics& p) { return static_cast<double>(p.sync.snapshot_write_errors); });
  per_project("flecto_agent_last_success_sync_timestamp_seconds", "gauge",
              "Unix time of the last sync that swapped a table in (0: never).", [](const ProjectMetrics& p) {
                return p.sync.last_success_time ? seconds_since_epoch(*p.sync.last_success_time) : 0.0;
              });
  per_project("flecto_agent_last_check_success_timestamp_seconds", "gauge",
              "Unix time the manager last answered a version check, changed or not (0: never).",
              [](const ProjectMetrics& p) {
                return p.sync.last_check_success_time ? seconds_since_epoch(*p.sync.last_check_success_time)
                                                      : 0.0;
              });
  per_project("flecto_agent_sync_consecutive_failures", "gauge",
              "Sync attempts that failed in a row (0 after a success or an unchanged check).",
              [](const ProjectMetrics& p) { return static_cast<double>(p.sync.consecutive_failures); });
  per_project("flecto_agent_last_load_duration_seconds", "gauge", "Time the last load (fetch and build) took.",
              [](const ProjectMetrics& p) {
                return std::chrono::duration<double>(p.sync.last_load_duration).count();
              });

  header(out, "flecto_agent_requests_total", "counter",
         "Requests answered by the edge listener, by the project that answered (\"\": none), outcome and "
         "status code.");
  const auto answered = [&](const std::string& project, const RequestCounts& requests) {
    const auto answered_sample = [&](RequestOutcome outcome, std::string_view code, std::uint64_t n) {
      sample(out, "flecto_agent_requests_total",
             with(project, "outcome=\"" + std::string(to_string(outcome)) + "\",code=\"" + std::string(code) + "\""),
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
  };
  for (std::size_t i = 0; i < projects.size(); ++i) answered(labels[i], projects[i].requests);
  answered(prometheus_project_labels("", ""), unrouted);

  // One histogram for the listener: how long answers take does not depend
  // on the project.
  RequestCounts all = unrouted;
  for (const ProjectMetrics& p : projects) all += p.requests;
  header(out, "flecto_agent_request_duration_seconds", "histogram",
         "Time from a complete request head to its answer being queued.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kRequestDurationBuckets.size(); ++i) {
    cumulative += all.in_duration_bucket(i);
    sample(out, "flecto_agent_request_duration_seconds_bucket",
           "le=\"" + format_number(kRequestDurationBuckets[i]) + "\"", static_cast<double>(cumulative));
  }
  cumulative += all.in_duration_bucket(kRequestDurationBuckets.size());
  sample(out, "flecto_agent_request_duration_seconds_bucket", "le=\"+Inf\"", static_cast<double>(cumulative));
  sample(out, "flecto_agent_request_duration_seconds_sum", "", static_cast<double>(all.duration_sum_ns()) / 1e9);
  sample(out, "flecto_agent_request_duration_seconds_count", "", static_cast<double>(cumulative));

  header(out, "flecto_agent_config_reloads_total", "counter",
         "Configuration reloads since start: applied, or refused as invalid (the old configuration kept).");
  sample(out, "flecto_agent_config_reloads_total", "result=\"applied\"", static_cast<double>(reloads.applied));
  sample(out, "flecto_agent_config_reloads_total", "result=\"refused\"", static_cast<double>(reloads.refused));
  header(out, "flecto_agent_config_last_reload_successful", "gauge",
         "0 when the last configuration reload was refused, 1 otherwise.");
  sample(out, "flecto_agent_config_last_reload_successful", "", reloads.last_ok ? 1 : 0);
  return out;
}

}  // namespace flecto
