// The body of GET /status on the admin listener: what this agent serves and
// how its syncs go, as one JSON object.
//
//   {"agent_name":"edge-eu-1","agent_version":"0.1.0","ready":true,
//    "table_memory_bytes":1234,"config_reloads":{...},
//    "projects":[{"label":"prod/site-fr","hosts":["example.fr"],"default":false,
//                 "manager_url":"https://manager.example.com","namespace":"prod",
//                 "project":"site-fr","rules_file":"","snapshot_path":"...",
//                 "ready":true,"version":42,"table_source":"manager",
//                 "rules":{...},"table_memory_bytes":1234,"sync":{...}}, ...],
//    ... and, with exactly one project, that project's fields at the top level
//    too, as the agent showed them before it served several}
//
// Manager URLs are shown without their user info (a token pasted into a URL
// must not leak); tokens are never known here. Times are RFC 3339 UTC or
// null.

#ifndef FLECTO_AGENT_ADMIN_STATUS_JSON_HPP_
#define FLECTO_AGENT_ADMIN_STATUS_JSON_HPP_

#include <string>
#include <string_view>

#include "agent/projects/served_projects.hpp"
#include "agent/service/reload_status.hpp"

namespace flecto {

// The body (with a final newline) for `routing` (null: nothing configured
// yet) and `reloads`.
std::string status_json(std::string_view agent_name, const ProjectRouting* routing, const ReloadState& reloads);

// `url` without "user:password@".
std::string redact_url_credentials(std::string_view url);

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_STATUS_JSON_HPP_
