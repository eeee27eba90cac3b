// Reading [[host_configs]] from a parsed TOML document: the node of the
// `host_configs` key (top level, or inside [flecto-agent]) becomes one
// HostConfigEntry per table, what each sets, as text (host_configs.hpp).
//
// Reported, by entry and key, 0-based: `host_configs` that is not an array
// of tables, `hosts` that is not an array of strings, a value of the wrong
// type (page_size and the limits numbers, the others strings), an unknown key
// ("host_configs[1].colour: unknown key"). The other keys are still read.
// Never throws; thread-safe.

#ifndef FLECTO_AGENT_CONFIG_HOST_CONFIGS_TOML_HPP_
#define FLECTO_AGENT_CONFIG_HOST_CONFIGS_TOML_HPP_

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "agent/config/host_configs.hpp"

namespace flecto {

std::vector<HostConfigEntry> read_host_configs_toml(const toml::node& node, std::vector<std::string>& problems);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_HOST_CONFIGS_TOML_HPP_
