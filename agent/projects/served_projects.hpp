// The projects this host serves, as the listeners read them: each one's
// table, sync state and request counters, and which project answers which
// Host.
//
//   flecto::ServedProjects served;                  // the daemon's; swapped on reload
//   served.swap_in(std::make_shared<flecto::ProjectRouting>(router, entries));
//   ...
//   auto routing = served.current();                // an edge thread, per request
//   if (const flecto::ServedProject* project = routing->route(request.host)) {
//     auto table = project->served.current();       // null: none served yet
//   }
//
// A ServedProject lives as long as its project stays configured: a reload
// that keeps a project keeps its object (its table keeps serving, its
// counters keep counting), even when its hosts or its sync settings change.
// A ProjectRouting is immutable once built and is replaced whole, so a
// request sees the old routing or the new one, never a mix; the projects a
// reader holds stay alive while it holds the routing.

#ifndef FLECTO_AGENT_PROJECTS_SERVED_PROJECTS_HPP_
#define FLECTO_AGENT_PROJECTS_SERVED_PROJECTS_HPP_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/projects/host_router.hpp"
#include "agent/projects/request_counters.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/status.hpp"

namespace flecto {

// What identifies a project and never changes while it is served.
struct ProjectIdentity {
  std::string label;           // "prod/site-fr": logs, /status, debug headers
  std::string manager_url;     // "" when serving a rules file
  std::string namespace_code;
  std::string project_code;
  std::string snapshot_path;   // "" when there is none (no state_dir, a rules file)
  std::string rules_file;      // set when serving a rules file without a manager
};

// One project, shared by the listeners (which read it) and its sync (which
// writes its table and status). ServedTable and SyncStatus are thread-safe;
// RequestCounters are lock-free.
struct ServedProject {
  explicit ServedProject(ProjectIdentity project_identity) : identity(std::move(project_identity)) {}
  ServedProject(const ServedProject&) = delete;
  ServedProject& operator=(const ServedProject&) = delete;

  const ProjectIdentity identity;
  ServedTable served;
  SyncStatus status;
  RequestCounters counters;  // the requests this project answered
};

// A project as one routing places it.
struct RoutedProject {
  std::shared_ptr<ServedProject> project;
  std::vector<std::string> hosts;  // as configured; empty for a lone project
  bool is_default = false;         // answers the hosts no project lists
};

// Which project answers which Host: `router`'s indices are `projects`'.
class ProjectRouting {
 public:
  // `router` must only name indices of `projects`.
  ProjectRouting(HostRouter router, std::vector<RoutedProject> projects)
      : router_(std::move(router)), projects_(std::move(projects)) {}

  // The project that answers a request with this Host header (port and
  // all, as received), or null: no project lists it and there is no
  // default, a miss. The project itself is not const: the listeners count
  // their answers in it.
  ServedProject* route(std::string_view host_header) const {
    const auto index = router_.route(host_header);
    return index ? projects_[*index].project.get() : nullptr;
  }

  const std::vector<RoutedProject>& projects() const { return projects_; }

 private:
  HostRouter router_;
  std::vector<RoutedProject> projects_;
};

// The routing being served, swapped atomically (see ServedTable for why the
// atomic free functions).
class ServedProjects {
 public:
  // Null before the first swap_in().
  std::shared_ptr<const ProjectRouting> current() const {
    return std::atomic_load_explicit(&routing_, std::memory_order_acquire);
  }
  // `routing` must not be null.
  void swap_in(std::shared_ptr<const ProjectRouting> routing) {
    std::atomic_store_explicit(&routing_, std::move(routing), std::memory_order_release);
  }

 private:
  std::shared_ptr<const ProjectRouting> routing_;
};

// A routing of one project that answers every host: a rules file, or a
// configuration without host_configs.
std::shared_ptr<const ProjectRouting> single_project_routing(std::shared_ptr<ServedProject> project);

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_SERVED_PROJECTS_HPP_
