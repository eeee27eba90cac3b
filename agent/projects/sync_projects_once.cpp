#include "agent/projects/sync_projects_once.hpp"

#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/projects/plan.hpp"
#include "agent/sync/once.hpp"

namespace flecto {

namespace {

// Writes `text` to `to` with `label` and ": " at the start of each of its
// lines (after the program's name, on the lines that start with it).
void with_label(std::ostream& to, const std::string& label, const std::string& text) {
  constexpr std::string_view kProgram = "flecto-agent: ";
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(kProgram)) {
      to << kProgram << label << ": " << line.substr(kProgram.size()) << '\n';
    } else {
      to << label << ": " << line << '\n';
    }
  }
}

}  // namespace

int sync_projects_once(const Config& config, bool force, bool quiet, std::ostream& out, std::ostream& err) {
  const std::vector<ProjectPlan> plans = plan_projects(config);
  if (plans.size() == 1 && plans.front().hosts.empty()) {
    return run_sync_once(plans.front().config, force, quiet, out, err);
  }
  int worst = 0;
  for (const ProjectPlan& plan : plans) {
    std::ostringstream project_out, project_err;
    const int status = run_sync_once(plan.config, force, quiet, project_out, project_err);
    with_label(out, plan.label, project_out.str());
    with_label(err, plan.label, project_err.str());
    worst = std::max(worst, status);
  }
  return worst;
}

}  // namespace flecto
