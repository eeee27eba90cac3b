// What `flecto-agent --print-config` and `--check-config` print about a
// loaded Config.
//
// render_config_toml() is the effective configuration after precedence
// (flags, FLECTO_* variables, the file, defaults) and inheritance: every
// top-level setting, then each [[host_configs]] entry fully resolved, as
// TOML, so that an operator can diff two hosts' or two days' output. A token
// is never printed: `token` says only whether one is set and from which file
// ("(set, from /etc/flecto-agent/token)", "(set)", "(not set)"), and
// token_file / token_jwt are not printed either.
//
// Pure functions of the Config; never throw but std::bad_alloc; thread-safe.

#ifndef FLECTO_AGENT_CONFIG_PRINT_CONFIG_HPP_
#define FLECTO_AGENT_CONFIG_PRINT_CONFIG_HPP_

#include <string>

#include "agent/config/config.hpp"

namespace flecto {

std::string render_config_toml(const Config& config);

// One line's worth: "3 projects, 5 hosts", "1 project, every host",
// "serves the rules file \"/etc/flecto-agent/rules.json\"". Entries of one
// project (the same manager_url, namespace_code and project_code) count once,
// and so does the top-level default project when an entry names it too.
std::string config_summary(const Config& config);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_PRINT_CONFIG_HPP_
