#include "agent/relay/relay_store.hpp"

#include <algorithm>

namespace flecto {
namespace {

std::string key_of(const std::string& namespace_code, const std::string& project_code) {
  return namespace_code + "/" + project_code;
}

}  // namespace

std::shared_ptr<const RelayVersion> RelayProject::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void RelayProject::prune(Clock::time_point now) const {
  std::erase_if(retired_, [&](const Retired& r) { return r.until <= now; });
}

std::shared_ptr<const RelayVersion> RelayProject::find(std::int64_t version, std::uint64_t serial) const {
  const Clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  if (current_ && current_->version() == version && current_->serial() == serial) return current_;
  prune(now);
  for (const Retired& r : retired_) {
    if (r.version->version() == version && r.version->serial() == serial) return r.version;
  }
  return nullptr;
}

Config RelayProject::upstream() const {
  std::lock_guard lock(mutex_);
  return upstream_;
}

std::size_t RelayProject::held_bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t bytes = current_ ? current_->bytes() : 0;
  for (const Retired& r : retired_) bytes += r.version->bytes();
  return bytes;
}

std::size_t RelayProject::versions_held() const {
  std::lock_guard lock(mutex_);
  return (current_ ? 1 : 0) + retired_.size();
}

RelayStore::RelayStore(std::chrono::milliseconds grace, std::function<Clock::time_point()> now)
    : grace_(grace), now_(std::move(now)) {}

void RelayStore::offer(const Config& config, const Rules& rules) {
  std::shared_ptr<RelayProject> project;
  {
    std::lock_guard lock(mutex_);
    std::shared_ptr<RelayProject>& slot = projects_[key_of(config.namespace_code, config.project_code)];
    if (!slot) {
      slot = std::make_shared<RelayProject>();
      slot->grace_ = grace_;
      slot->now_ = now_;
    }
    project = slot;
  }
  // Serialized outside any lock: a large version takes a while.
  std::shared_ptr<const RelayVersion> made = RelayVersion::make(rules, ++serials_);
  const Clock::time_point now = now_();
  std::lock_guard lock(project->mutex_);
  project->upstream_ = config;
  project->upstream_.token.clear();  // the relay asks with each downstream's own token
  std::shared_ptr<const RelayVersion> old = std::move(project->current_);
  project->current_ = std::move(made);
  project->prune(now);
  if (old && grace_.count() > 0) {
    project->retired_.push_back({std::move(old), now + grace_});
    while (project->retired_.size() > kMaxRetired) project->retired_.erase(project->retired_.begin());
  }
}

std::shared_ptr<RelayProject> RelayStore::find(const std::string& namespace_code,
                                               const std::string& project_code) const {
  std::lock_guard lock(mutex_);
  const auto found = projects_.find(key_of(namespace_code, project_code));
  return found == projects_.end() ? nullptr : found->second;
}

std::vector<std::pair<std::string, std::shared_ptr<RelayProject>>> RelayStore::projects() const {
  std::lock_guard lock(mutex_);
  return {projects_.begin(), projects_.end()};
}

}  // namespace flecto
