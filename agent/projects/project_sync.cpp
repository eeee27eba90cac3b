#include "agent/projects/project_sync.hpp"

namespace flecto {

namespace {

SyncLoopOptions with_label(SyncLoopOptions options, const std::string& label) {
  options.project = label;
  return options;
}

}  // namespace

ProjectSync::ProjectSync(Config config, std::shared_ptr<ServedProject> project, const std::string& label,
                         SyncLoopOptions options)
    : config_(std::move(config)),
      project_(std::move(project)),
      client_(manager_settings_from(config_)),
      loop_(config_, client_, project_->served, project_->status, with_label(options, label)),
      last_tick_(Clock::now().time_since_epoch().count()) {
  loop_.set_tick([this] { last_tick_ = Clock::now().time_since_epoch().count(); });
}

ProjectSync::~ProjectSync() { stop(); }

void ProjectSync::start() {
  if (thread_.joinable()) return;
  last_tick_ = Clock::now().time_since_epoch().count();
  thread_ = std::jthread([this](std::stop_token stop) { loop_.run(stop); });
}

void ProjectSync::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

}  // namespace flecto
