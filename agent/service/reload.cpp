#include "agent/service/reload.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "agent/config/duration.hpp"
#include "agent/projects/plan.hpp"
#include "agent/text/join.hpp"

namespace flecto {

namespace {

std::string on_off(bool value) { return value ? "true" : "false"; }

// Sets `next`'s value back to `running`'s when they differ, noting it.
template <typename T, typename Show>
void keep(std::vector<std::string>& notes, const char* name, const T& running, T& next, Show show) {
  if (running == next) return;
  notes.push_back(std::string(name) + ": " + show(running) + " -> " + show(next) +
                  " needs a restart; keeping " + show(running));
  next = running;
}

}  // namespace

std::vector<std::string> keep_restart_only_settings(const Config& running, Config& next) {
  std::vector<std::string> notes;
  const auto text = [](const std::string& v) { return v.empty() ? std::string("\"\"") : v; };
  keep(notes, "listen", running.listen, next.listen, text);
  keep(notes, "admin_listen", running.admin_listen, next.admin_listen, text);
  keep(notes, "relay_listen", running.relay_listen, next.relay_listen, text);
  keep(notes, "relay_tls_cert", running.relay_tls_cert, next.relay_tls_cert, text);
  keep(notes, "relay_tls_key", running.relay_tls_key, next.relay_tls_key, text);
  keep(notes, "relay_auth_ttl", running.relay_auth_ttl, next.relay_auth_ttl,
       [](std::chrono::milliseconds v) { return format_duration(v); });
  keep(notes, "edge_threads", running.edge_threads, next.edge_threads,
       [](std::size_t v) { return std::to_string(v); });
  keep(notes, "debug_headers", running.debug_headers, next.debug_headers, on_off);
  keep(notes, "permanent_redirect_cache_control", running.permanent_redirect_cache_control,
       next.permanent_redirect_cache_control, text);
  keep(notes, "temporary_redirect_cache_control", running.temporary_redirect_cache_control,
       next.temporary_redirect_cache_control, text);
  keep(notes, "page_cache_control", running.page_cache_control, next.page_cache_control, text);
  keep(notes, "query_fallback", running.query_fallback, next.query_fallback, on_off);
  keep(notes, "query_preserve", running.query_preserve, next.query_preserve, on_off);
  keep(notes, "access_log", running.access_log, next.access_log, on_off);
  keep(notes, "log_format", running.log_format, next.log_format, text);
  keep(notes, "state_dir", running.state_dir, next.state_dir, text);
  keep(notes, "agent_name", running.agent_name, next.agent_name, text);
  keep(notes, "rules_file", running.rules_file, next.rules_file, text);
  return notes;
}

ReloadResult reload_configuration(const ConfigSources& sources, const Config& running, ProjectSet& projects,
                                  ReloadStatus& status) {
  ReloadResult result;
  const auto now = std::chrono::system_clock::now();
  Config next;
  try {
    next = load_config(sources, RunMode::kDaemon);
  } catch (const ConfigError& e) {
    result.problems = e.problems();
  }
  if (result.problems.empty()) {
    result.restart_only = keep_restart_only_settings(running, next);
    try {
      result.changes = projects.apply(plan_projects(next));
    } catch (const std::exception& e) {
      result.problems.push_back(e.what());
    }
  }
  if (!result.problems.empty()) {
    for (const auto& problem : result.problems) spdlog::error("reload: {}", problem);
    spdlog::error("reload: the configuration is invalid; keeping the one running");
    status.record_refused(now, result.problems);
    return result;
  }

  for (const auto& note : result.restart_only) spdlog::warn("reload: {}", note);
  if (next.log_level != running.log_level) spdlog::set_level(spdlog::level::from_str(next.log_level));
  const ProjectChanges& c = result.changes;
  spdlog::info("reload: applied: {} project(s) added{}, {} removed{}, {} with new sync settings{}, {} unchanged",
               c.added.size(), c.added.empty() ? "" : " (" + join(c.added, ", ") + ")", c.removed.size(),
               c.removed.empty() ? "" : " (" + join(c.removed, ", ") + ")", c.restarted.size(),
               c.restarted.empty() ? "" : " (" + join(c.restarted, ", ") + ")", c.kept.size());
  projects.sync_all_now();
  status.record_applied(now);
  result.applied = true;
  result.config = std::move(next);
  return result;
}

}  // namespace flecto
