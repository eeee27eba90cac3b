// One project's sync: its manager client and its sync loop
// (agent/sync/loop.hpp), on a thread of their own, writing the project's
// table and status.
//
//   flecto::ProjectSync sync(plan.config, served_project);  // throws for a URL it cannot use
//   sync.start();
//   sync.request_sync_now();   // SIGHUP, a reload
//   sync.stop();               // also done by the destructor
//
// A project whose manager is down, refuses its token or sends invalid data
// fails in its own loop only: the others never wait for it.

#ifndef FLECTO_AGENT_PROJECTS_PROJECT_SYNC_HPP_
#define FLECTO_AGENT_PROJECTS_PROJECT_SYNC_HPP_

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "agent/config/config.hpp"
#include "agent/manager/client.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/sync/loop.hpp"

namespace flecto {

class ProjectSync {
 public:
  using Clock = std::chrono::steady_clock;

  // `config` is the project's own (agent/projects/plan.hpp). `label` starts
  // its log lines ("" for a lone project). Throws std::invalid_argument for
  // a manager URL or agent name it cannot use.
  ProjectSync(Config config, std::shared_ptr<ServedProject> project, const std::string& label,
              SyncLoopOptions options = {});
  ~ProjectSync();
  ProjectSync(const ProjectSync&) = delete;
  ProjectSync& operator=(const ProjectSync&) = delete;

  // Starts the loop's thread (first: the snapshot, then a sync). Once.
  void start();
  // Stops the loop (an unfinished sync is abandoned) and joins. Idempotent.
  void stop();
  // Wakes the loop for a sync now. Thread-safe.
  void request_sync_now() { loop_.request_sync_now(); }

  // When the loop last showed it is alive (its tick); the daemon feeds
  // systemd's watchdog only while every loop does.
  Clock::time_point last_tick() const { return Clock::time_point(Clock::duration(last_tick_.load())); }

  const Config& config() const { return config_; }
  const std::string& agent_name() const { return loop_.agent_name(); }

 private:
  Config config_;
  std::shared_ptr<ServedProject> project_;
  ManagerClient client_;
  SyncLoop loop_;
  std::atomic<Clock::rep> last_tick_;
  std::jthread thread_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_PROJECT_SYNC_HPP_
