// The projects one agent serves, planned from its Config: one ProjectPlan
// per distinct project (manager_url, namespace_code, project_code), each
// with the Config its sync runs with, the hosts it answers, and a label.
//
// Without [[host_configs]] there is one plan, the Config unchanged (its
// snapshot stays "snapshot.json"), the default project with no hosts: a
// one-project agent works exactly as before.
//
// With [[host_configs]]:
//   - entries naming the same project make one plan, their hosts merged in
//     order (a host written twice for one project is kept once);
//   - the root project_code, when set, is the default project (for hosts no
//     entry lists): the plan of (root manager_url, namespace_code,
//     project_code), which is the plan of an entry naming that project when
//     there is one (then it has hosts and is the default);
//   - each plan's config is the root Config with the entry's manager_url,
//     namespace_code, project_code, token, header_authorization_name,
//     ca_file, interval_check, listing_limits and on_invalid_rules, no
//     host_configs, and its own
//     snapshot_name (project_snapshot_name(), the default project's too);
//   - the order is the configuration's: the entries' projects in the order
//     they first appear, the default project first when no entry names it.
//
//   for (const ProjectPlan& plan : plan_projects(config)) start(plan.config);
//   HostRouter router = make_host_router(plans);   // router.route(host) -> index into plans
//
// Pure functions of their arguments, safe from any thread. plan_projects()
// trusts the loader's checks (hosts well-formed and unique, entries of one
// project agreeing); make_host_router() checks the hosts again and throws
// std::invalid_argument naming one that is malformed or listed by two plans.

#ifndef FLECTO_AGENT_PROJECTS_PLAN_HPP_
#define FLECTO_AGENT_PROJECTS_PLAN_HPP_

#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/projects/host_router.hpp"

namespace flecto {

struct ProjectPlan {
  Config config;                   // what this project's sync runs with
  std::vector<std::string> hosts;  // host patterns as written; empty for a one-project agent
  bool is_default = false;         // answers the hosts no plan lists
  // For logs, /status and metrics: "<namespace>/<project>", or
  // "<namespace>/<project>@<manager_url>" when two plans would share it;
  // "default" for a one-project agent without codes (serving a rules file).
  std::string label;
};

std::vector<ProjectPlan> plan_projects(const Config& config);

// A router giving, for a Host header, the index of its plan in `plans`: every
// host of every plan, and the first plan with is_default as the default.
// Throws std::invalid_argument naming a malformed host or one listed twice.
HostRouter make_host_router(const std::vector<ProjectPlan>& plans);

// True when `a` and `b` are the same project: the same manager_url,
// namespace_code and project_code.
bool same_project(const ProjectPlan& a, const ProjectPlan& b);

// True when a sync of `a` and one of `b` would run the same way: same_project()
// and the same token, header_authorization_name, ca_file, interval_check,
// listing_limits, on_invalid_rules, timeouts (connect, read, sync), agent_name, state_dir,
// snapshot_name and regex_memory_mb. Hosts, labels and being the default do
// not count: a reload changes those in the router, without a new sync.
bool same_sync_settings(const ProjectPlan& a, const ProjectPlan& b);

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_PLAN_HPP_
