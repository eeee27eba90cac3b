// A configuration reload (SIGHUP, `systemctl reload`), as `nginx -s reload`
// does it: the new configuration replaces the running one only when it is
// valid; otherwise every problem is logged and the old one keeps serving.
//
//   flecto::ReloadResult result = flecto::reload_configuration(sources, running, projects);
//   if (result.applied) running = result.config;
//
// In order:
// - Reads the configuration again from `sources` (the same flags and
//   environment; the file and the token files read anew). Invalid: the
//   problems, nothing changed.
// - Settings that only a restart can change (listen, admin_listen,
//   edge_threads, debug_headers, the Cache-Control settings,
//   query_fallback, query_preserve, access_log, log_format, state_dir,
//   agent_name, rules_file) keep their running values; each one that
//   differs is named in `restart_only`.
// - log_level applies at once.
// - Applies the projects' plans (agent/projects/project_set.hpp): added,
//   removed, restarted with new sync settings, kept; then every project
//   syncs now. A plan that cannot be applied is a problem, nothing changed.
// Logs each step and counts the reload in `status`. Never throws for a bad
// configuration.

#ifndef FLECTO_AGENT_SERVICE_RELOAD_HPP_
#define FLECTO_AGENT_SERVICE_RELOAD_HPP_

#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/config/loader.hpp"
#include "agent/projects/project_set.hpp"
#include "agent/service/reload_status.hpp"

namespace flecto {

struct ReloadResult {
  bool applied = false;
  Config config;                          // applied: the configuration now running
  std::vector<std::string> problems;      // not applied: why
  std::vector<std::string> restart_only;  // "listen: 127.0.0.1:8080 -> 0.0.0.0:80 needs a restart"
  ProjectChanges changes;
};

ReloadResult reload_configuration(const ConfigSources& sources, const Config& running, ProjectSet& projects,
                                  ReloadStatus& status);

// The settings of `next` only a restart can change, set back to `running`'s,
// one line for each that differed.
std::vector<std::string> keep_restart_only_settings(const Config& running, Config& next);

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_RELOAD_HPP_
