#include "agent/projects/project_set.hpp"

#include <algorithm>
#include <optional>

#include "agent/sync/snapshot.hpp"

namespace flecto {

namespace {

// The label a sync puts in its log lines: none for a lone project, whose
// lines read as they always did.
std::string log_label(const ProjectPlan& plan, std::size_t plans) {
  return plans == 1 && plan.hosts.empty() ? std::string() : plan.label;
}

}  // namespace

ProjectIdentity project_identity(const ProjectPlan& plan) {
  ProjectIdentity identity;
  identity.label = plan.label;
  identity.manager_url = plan.config.manager_url;
  identity.namespace_code = plan.config.namespace_code;
  identity.project_code = plan.config.project_code;
  if (!plan.config.state_dir.empty()) {
    identity.snapshot_path = snapshot_path(plan.config.state_dir, plan.config.snapshot_name);
  }
  return identity;
}

ProjectSet::ProjectSet(ServedProjects& served, SyncLoopOptions options)
    : served_(served), options_(std::move(options)) {}

ProjectSet::~ProjectSet() { stop(); }

ProjectChanges ProjectSet::apply(const std::vector<ProjectPlan>& plans) {
  ProjectChanges changes;
  // First everything that can fail, before anything changes: each plan's
  // project (the old one when it stays) and its sync (a new one unless the
  // old one carries on).
  std::vector<Entry> next;
  std::vector<std::optional<std::size_t>> old_of(plans.size());  // index into entries_
  std::vector<bool> stays(entries_.size(), false);
  for (std::size_t n = 0; n < plans.size(); ++n) {
    const ProjectPlan& plan = plans[n];
    Entry entry{plan, nullptr, nullptr};
    for (std::size_t i = 0; i < entries_.size() && !old_of[n]; ++i) {
      if (same_project(entries_[i].plan, plan)) old_of[n] = i;
    }
    const bool keep_sync = old_of[n] && same_sync_settings(entries_[*old_of[n]].plan, plan);
    if (old_of[n]) {
      stays[*old_of[n]] = true;
      entry.project = entries_[*old_of[n]].project;
      (keep_sync ? changes.kept : changes.restarted).push_back(plan.label);
    } else {
      entry.project = std::make_shared<ServedProject>(project_identity(plan));
      changes.added.push_back(plan.label);
    }
    if (!keep_sync) {
      entry.sync = std::make_unique<ProjectSync>(plan.config, entry.project, log_label(plan, plans.size()), options_);
    }
    next.push_back(std::move(entry));
  }

  // Then the new routing, in one step.
  std::vector<RoutedProject> routed;
  for (const Entry& entry : next) routed.push_back({entry.project, entry.plan.hosts, entry.plan.is_default});
  served_.swap_in(std::make_shared<const ProjectRouting>(make_host_router(plans), std::move(routed)));

  // Then the syncs: those of removed projects stop (one in the middle of a
  // sync abandons it), and so do those replaced by a sync with new
  // settings, before it starts; the kept ones carry on.
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!stays[i]) changes.removed.push_back(entries_[i].plan.label);
  }
  for (std::size_t n = 0; n < next.size(); ++n) {
    if (!old_of[n]) continue;
    std::unique_ptr<ProjectSync>& old_sync = entries_[*old_of[n]].sync;
    if (next[n].sync) {
      old_sync->stop();
    } else {
      next[n].sync = std::move(old_sync);
    }
  }
  for (Entry& old : entries_) {
    if (old.sync) old.sync->stop();  // removed, or replaced (stopped already)
  }
  entries_ = std::move(next);
  if (started_) start();
  if (!entries_.empty()) agent_name_ = entries_.front().sync->agent_name();
  return changes;
}

void ProjectSet::start() {
  started_ = true;
  for (Entry& entry : entries_) entry.sync->start();  // a no-op for those running
}

void ProjectSet::sync_all_now() {
  for (Entry& entry : entries_) entry.sync->request_sync_now();
}

void ProjectSet::stop() {
  for (Entry& entry : entries_) entry.sync->stop();
}

ProjectSync::Clock::time_point ProjectSet::oldest_tick() const {
  auto oldest = ProjectSync::Clock::now();
  for (const Entry& entry : entries_) oldest = std::min(oldest, entry.sync->last_tick());
  return oldest;
}

}  // namespace flecto
