// `flecto-agent --sync-once` for every project of the configuration: one
// sync each (agent/sync/once.hpp), one after the other, each with its own
// snapshot.
//
// With one project (no host_configs) it is run_sync_once() itself, output
// and all. With several, every line a project's sync prints starts with
// its label ("prod/site-fr: version 7: ..."), and the exit status is the
// worst of theirs: the highest (agent/exit_status.hpp orders them from ok
// to invalid data), so that a script sees any failure.

#ifndef FLECTO_AGENT_PROJECTS_SYNC_PROJECTS_ONCE_HPP_
#define FLECTO_AGENT_PROJECTS_SYNC_PROJECTS_ONCE_HPP_

#include <ostream>

#include "agent/config/config.hpp"

namespace flecto {

int sync_projects_once(const Config& config, bool force, bool quiet, std::ostream& out, std::ostream& err);

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_SYNC_PROJECTS_ONCE_HPP_
