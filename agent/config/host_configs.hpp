// [[host_configs]]: several projects on one edge host, each answering the
// hosts its entry lists (Config::host_configs).
//
// Two steps. The TOML reader (host_configs_toml.hpp) turns the file's array
// of tables into HostConfigEntry values, what each entry sets, reporting
// values of the wrong type and unknown keys. Once the top-level settings are
// final (flags, environment, file, defaults), resolve_host_configs() checks
// every entry and fills every HostConfig field: what an entry does not set is
// the top level's value, except project_code, which each entry must set.
//
// Problems are named after the entry and key, 0-based, e.g.
//   host_configs[1].hosts[0]: "example.com/x": a host name, without a path
//   host_configs[0]: project_code is required
// Nothing here throws on bad input. resolve_host_configs() reads the
// entries' token_file and ca_file; the rest are pure functions. Thread-safe.

#ifndef FLECTO_AGENT_CONFIG_HOST_CONFIGS_HPP_
#define FLECTO_AGENT_CONFIG_HOST_CONFIGS_HPP_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.hpp"

namespace flecto {

// The keys an entry may set besides `hosts`: project_code and the
// overridable manager settings.
inline constexpr const char* kHostConfigSettings[] = {
    "project_code", "manager_url", "namespace_code", "token_file", "token_jwt",
    "header_authorization_name", "interval_check", "page_size", "ca_file",
    "redirects_limit", "pages_limit", "on_invalid_rules"};

// The keys whose value is a whole number; the others are strings.
inline constexpr const char* kHostConfigNumbers[] = {"page_size", "redirects_limit", "pages_limit"};

// One [[host_configs]] entry as written.
struct HostConfigEntry {
  std::optional<std::vector<std::string>> hosts;   // unset: the entry has no `hosts`
  std::map<std::string, std::string> settings;     // kHostConfigSettings it sets, as text
  // Keys given with a value of the wrong type (reported by the reader): no
  // "required" problem follows for them, and the entry counts as invalid.
  std::set<std::string> mistyped;
  bool is_table = true;  // false: not a table (reported), a placeholder that is skipped
};

// Host names, as the configuration lists them.
//
// A host is a DNS name (labels of letters, digits, '-' and '_', one trailing
// dot allowed), an IPv4 address, an IPv6 address in brackets ("[::1]"), or a
// wildcard: "*." followed by a name ("*.example.com", which matches one
// label or more in front of example.com, not example.com itself).

// Why `host` cannot be listed, "" when it can: "a host name, without a
// path", "a host name, without a port", "a bad wildcard: ...".
std::string host_name_problem(std::string_view host);

// The form two listed hosts are compared in: ASCII lower case, one trailing
// dot removed ("Example.COM." -> "example.com").
std::string normalize_host_name(std::string_view host);

// True for "*.<name>".
bool is_wildcard_host(std::string_view host);

// Every entry resolved against `root` (the final top-level settings, token
// and token_file included). Appends every problem to `problems`: hosts
// (form, and the same host listed twice anywhere), required keys, values
// (durations, page_size and the limits, which fold as at the top level
// (setting_aliases.hpp), on_invalid_rules, manager_url, readable token_file
// and ca_file), and
// entries of one project (the same manager_url, namespace_code and
// project_code, also the top level's default project) that disagree on the
// settings their shared sync uses. `root_token_unreadable`: the top level's
// token file could not be read, a problem reported already, so the entries
// that inherit it get none of their own. Returns the entries in order, also
// when there are problems.
std::vector<HostConfig> resolve_host_configs(const std::vector<HostConfigEntry>& entries, const Config& root,
                                             bool root_token_unreadable, std::vector<std::string>& problems);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_HOST_CONFIGS_HPP_
