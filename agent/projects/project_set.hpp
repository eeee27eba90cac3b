// The projects this host syncs from their managers and serves: made from
// the configuration's plans (agent/projects/plan.hpp) at start, changed by
// each configuration reload, without dropping a request.
//
//   flecto::ServedProjects served;             // what the listeners read
//   flecto::ProjectSet projects(served);
//   projects.apply(flecto::plan_projects(config));   // the routing; no sync yet
//   projects.start();                                // once the listeners are up
//   ...
//   auto changes = projects.apply(flecto::plan_projects(reloaded));  // SIGHUP
//   projects.sync_all_now();
//
// apply() keeps the table, status and counters of every project that stays
// (same manager URL, namespace and project), restarting its sync only when
// its sync settings changed (token, interval, page size, ...); starts syncs
// for the projects added (each serves its snapshot at once, then syncs);
// stops the syncs of the projects removed and stops serving them (their
// snapshots stay on disk); and swaps in the new routing (hosts to
// projects) in one step, so a request sees the old routing or the new one.
// Used from one thread (the daemon's); the listeners read `served`.

#ifndef FLECTO_AGENT_PROJECTS_PROJECT_SET_HPP_
#define FLECTO_AGENT_PROJECTS_PROJECT_SET_HPP_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/projects/plan.hpp"
#include "agent/projects/project_sync.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/sync/loop.hpp"

namespace flecto {

// What an apply() changed, by project label.
struct ProjectChanges {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> restarted;  // kept, with new sync settings
  std::vector<std::string> kept;       // unchanged
};

class ProjectSet {
 public:
  // `served` must outlive the set. `options` go to every sync loop.
  explicit ProjectSet(ServedProjects& served, SyncLoopOptions options = {});
  // Stops every sync.
  ~ProjectSet();
  ProjectSet(const ProjectSet&) = delete;
  ProjectSet& operator=(const ProjectSet&) = delete;

  // Makes `plans` the projects served, as described above. All or nothing:
  // when a sync cannot be made (std::invalid_argument: a manager URL or
  // agent name it cannot use), it throws and nothing changed.
  ProjectChanges apply(const std::vector<ProjectPlan>& plans);

  // Starts the syncs, from now on also those of later apply() calls.
  void start();

  // Wakes every sync for a sync now.
  void sync_all_now();

  // Stops every sync (serving goes on from what they loaded). Idempotent.
  void stop();

  // The oldest tick of all syncs (now when there are none): a stuck sync
  // shows here.
  ProjectSync::Clock::time_point oldest_tick() const;

  // The agent name the reports carry (resolved from the configuration; ""
  // before the first apply).
  const std::string& agent_name() const { return agent_name_; }

 private:
  struct Entry {
    ProjectPlan plan;
    std::shared_ptr<ServedProject> project;
    std::unique_ptr<ProjectSync> sync;
  };

  ServedProjects& served_;
  SyncLoopOptions options_;
  std::vector<Entry> entries_;
  std::string agent_name_;
  bool started_ = false;
};

// The project identity of a plan: its label, manager URL, namespace,
// project, and its snapshot's path.
ProjectIdentity project_identity(const ProjectPlan& plan);

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_PROJECT_SET_HPP_
