#include "agent/projects/served_projects.hpp"

namespace flecto {

std::shared_ptr<const ProjectRouting> single_project_routing(std::shared_ptr<ServedProject> project) {
  std::vector<RoutedProject> projects;
  projects.push_back({std::move(project), {}, true});
  return std::make_shared<const ProjectRouting>(HostRouter({}, 0), std::move(projects));
}

}  // namespace flecto
