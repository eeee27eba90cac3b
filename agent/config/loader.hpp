// Loading the agent's Config from its three sources.
//
// Every setting has a name (manager_url, token_file, ...). It can be given
// as a flag (--manager-url), an environment variable (FLECTO_MANAGER_URL) or
// a key of the TOML file named by --config; a flag beats the environment,
// which beats the file, which beats the default. load_config() checks every
// setting and reports every problem at once, by name.

#ifndef FLECTO_AGENT_CONFIG_LOADER_HPP_
#define FLECTO_AGENT_CONFIG_LOADER_HPP_

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/config/host_configs.hpp"

namespace flecto {

// One setting the agent understands.
struct SettingSpec {
  const char* name;  // snake_case: the TOML key; flags use dashes
  std::string help;
  bool is_flag;      // a boolean given as a bare flag (--debug-headers)
};

// Every setting, in the order --help lists them.
const std::vector<SettingSpec>& setting_specs();

// Setting name -> its text, as given by one source.
using SettingValues = std::map<std::string, std::string>;

// What the agent is about to do decides which settings it requires.
enum class RunMode {
  kDaemon,    // serve, and sync unless rules_file is set
  kSyncOnce,  // sync once and exit: needs the manager settings
};

struct ConfigSources {
  SettingValues flags;
  SettingValues environment;
  std::string config_file;  // empty: none
};

// All the problems found, one per line in what().
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// The FLECTO_<NAME> variables of this process's environment that name a setting.
SettingValues settings_from_environment();

// What a TOML file sets, and every problem with it.
struct TomlSettings {
  SettingValues values;               // the known settings it sets, also when it has problems
  std::vector<HostConfigEntry> host_configs;  // its [[host_configs]] entries, as written
  std::vector<std::string> problems;  // "FILE: line N: ..." each; or why it cannot be read
  bool parsed = false;                // false: unreadable or a syntax error, values empty
};

// The settings of a TOML file: top-level keys or, when a [flecto-agent]
// table is present, the keys of that table (and then a key outside it is a
// problem), and the [[host_configs]] tables at the same level
// (host_configs_toml.hpp). An unknown key, a value that is not a string,
// number or boolean,
// a syntax error (with its line and column), a directory, or a file that
// cannot be read (with the reason) is a problem; the others are still read.
TomlSettings read_toml_settings(const std::string& path);

// The same; throws ConfigError with every problem when there is one.
SettingValues settings_from_toml_file(const std::string& path);

// Merges the sources by precedence and checks every setting: values, listen
// addresses, that ca_file and token_file can be read. Reads the token from
// token_file or $CREDENTIALS_DIRECTORY/token, except when serving a rules
// file (kDaemon with rules), where the manager settings and host_configs are
// not used and are listed in Config::warnings when given. The file's
// [[host_configs]] are resolved against the final top-level settings
// (resolve_host_configs()); with them, the top-level project_code is
// optional, and the top-level manager settings are required only when it is
// set. Throws ConfigError with every problem; when the file itself cannot be
// read or parsed, the "required" checks are skipped (the file may have set
// them).
Config load_config(const ConfigSources& sources, RunMode mode);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_LOADER_HPP_
