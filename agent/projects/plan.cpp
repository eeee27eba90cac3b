#include "agent/projects/plan.hpp"

#include <cstddef>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "agent/projects/snapshot_name.hpp"

namespace flecto {
namespace {

bool same_project_config(const Config& a, const Config& b) {
  return std::tie(a.manager_url, a.namespace_code, a.project_code) ==
         std::tie(b.manager_url, b.namespace_code, b.project_code);
}

std::optional<std::size_t> find_plan(const std::vector<ProjectPlan>& plans, const Config& project) {
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (same_project_config(plans[i].config, project)) return i;
  }
  return std::nullopt;
}

// The root Config as the sync of one project of several runs it.
Config project_config(const Config& root, const HostConfig& entry) {
  Config config = root;
  config.manager_url = entry.manager_url;
  config.namespace_code = entry.namespace_code;
  config.project_code = entry.project_code;
  config.token = entry.token;
  config.header_authorization_name = entry.header_authorization_name;
  config.ca_file = entry.ca_file;
  config.interval_check = entry.interval_check;
  config.listing_limits = entry.listing_limits;
  config.on_invalid_rules = entry.on_invalid_rules;
  config.host_configs.clear();
  return config;
}

void add_hosts(ProjectPlan& plan, const std::vector<std::string>& hosts) {
  for (const std::string& host : hosts) {
    const std::string key = normalize_host(host, false);
    bool known = false;
    for (const std::string& listed : plan.hosts) known = known || normalize_host(listed, false) == key;
    if (!known) plan.hosts.push_back(host);
  }
}

void set_labels(std::vector<ProjectPlan>& plans) {
  std::unordered_map<std::string, int> uses;
  for (ProjectPlan& plan : plans) {
    const Config& c = plan.config;
    // No codes: a one-project agent serving a rules file.
    plan.label = c.namespace_code.empty() && c.project_code.empty() ? "default"
                                                                    : c.namespace_code + "/" + c.project_code;
    ++uses[plan.label];
  }
  for (ProjectPlan& plan : plans) {
    if (uses[plan.label] > 1) plan.label += "@" + plan.config.manager_url;
  }
}

}  // namespace

std::vector<ProjectPlan> plan_projects(const Config& config) {
  std::vector<ProjectPlan> plans;
  if (config.host_configs.empty()) {
    ProjectPlan plan;
    plan.config = config;
    plan.is_default = true;
    plans.push_back(std::move(plan));
    set_labels(plans);
    return plans;
  }

  for (const HostConfig& entry : config.host_configs) {
    Config project = project_config(config, entry);
    const std::optional<std::size_t> known = find_plan(plans, project);
    if (known) {
      add_hosts(plans[*known], entry.hosts);
      continue;
    }
    ProjectPlan plan;
    plan.config = std::move(project);
    add_hosts(plan, entry.hosts);
    plans.push_back(std::move(plan));
  }

  if (!config.project_code.empty()) {
    if (const std::optional<std::size_t> entry = find_plan(plans, config)) {
      plans[*entry].is_default = true;
    } else {
      ProjectPlan plan;
      plan.config = config;
      plan.config.host_configs.clear();
      plan.is_default = true;
      plans.insert(plans.begin(), std::move(plan));
    }
  }

  for (ProjectPlan& plan : plans) {
    plan.config.snapshot_name =
        project_snapshot_name(plan.config.manager_url, plan.config.namespace_code, plan.config.project_code);
  }
  set_labels(plans);
  return plans;
}

HostRouter make_host_router(const std::vector<ProjectPlan>& plans) {
  std::vector<HostRoute> routes;
  std::optional<std::size_t> default_project;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    for (const std::string& host : plans[i].hosts) routes.push_back({host, i});
    if (plans[i].is_default && !default_project) default_project = i;
  }
  return HostRouter(routes, default_project);
}

bool same_project(const ProjectPlan& a, const ProjectPlan& b) {
  return same_project_config(a.config, b.config);
}

bool same_sync_settings(const ProjectPlan& a, const ProjectPlan& b) {
  const Config& x = a.config;
  const Config& y = b.config;
  return same_project(a, b) &&
         std::tie(x.token, x.header_authorization_name, x.ca_file, x.interval_check, x.listing_limits,
                  x.on_invalid_rules,
                  x.connect_timeout, x.read_timeout, x.sync_timeout, x.agent_name, x.state_dir,
                  x.snapshot_name, x.regex_memory_mb) ==
             std::tie(y.token, y.header_authorization_name, y.ca_file, y.interval_check, y.listing_limits,
                      y.on_invalid_rules,
                      y.connect_timeout, y.read_timeout, y.sync_timeout, y.agent_name, y.state_dir,
                      y.snapshot_name, y.regex_memory_mb);
}

}  // namespace flecto
