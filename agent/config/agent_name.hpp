// The agent's name, as the manager lists it: letters, digits, '_' and '-'
// (the manager answers 400 to anything else), at most 100 characters (its
// database column; a longer name makes every report fail with 500).
//
//   flecto::resolve_agent_name("");           // "web-1-example-com" on web-1.example.com
//   flecto::resolve_agent_name("edge-eu-1");  // "edge-eu-1"
//   flecto::resolve_agent_name("edge.eu");    // throws std::invalid_argument

#ifndef FLECTO_AGENT_CONFIG_AGENT_NAME_HPP_
#define FLECTO_AGENT_CONFIG_AGENT_NAME_HPP_

#include <cstddef>
#include <string>
#include <string_view>

namespace flecto {

// The manager stores the name in a column of this many characters.
inline constexpr std::size_t kMaxAgentNameLength = 100;

// Why `name` cannot be the agent's name ("" when it can): its characters, or
// its length. Starts with the setting's name:
//   agent_name "edge.eu": only letters, digits, '_' and '-' are allowed
//   agent_name: 120 characters; the manager keeps at most 100
std::string agent_name_problem(std::string_view name);

// True when `name` matches ^[A-Za-z0-9_-]+$.
bool is_valid_agent_name(std::string_view name);

// `host` with every character other than a letter, digit, '_' or '-'
// replaced by '-' ("web-1.example.com" -> "web-1-example-com"); an empty
// host gives "flecto-agent".
std::string agent_name_from_host(std::string_view host);

// agent_name_from_host() of this machine's host name (gethostname; Linux
// keeps host names within 64 bytes, so the default is never too long).
std::string default_agent_name();

// `configured` when it is valid, default_agent_name() when it is empty.
// Throws std::invalid_argument with agent_name_problem() for an invalid name.
std::string resolve_agent_name(const std::string& configured);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_AGENT_NAME_HPP_
