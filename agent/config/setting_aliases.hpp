// The Traefik middleware's names for our settings, so that its
// configuration works as it is: `debug` is debug_headers, and page_size sets
// both listings' page size, which redirects_limit and pages_limit set one
// each (Config::listing_limits).
//
// Each source (the flags, the environment, the file, one [[host_configs]]
// entry) is folded on its own, before sources are merged or an entry is
// resolved: `debug` becomes debug_headers, page_size becomes
// redirects_limit and pages_limit where that source does not give them. So
// precedence works on the folded values (a flag's --page-size beats the
// file's redirects_limit), and an entry's page_size overrides both of the
// top level's limits. Within one source, both names with different values
// is a problem naming both; the same value is fine. A limit of 0 means "not
// set", as in the middleware, and is dropped. page_size itself stays (for
// the warnings of settings a rules file ignores) but is not read again.
//
//   std::vector<std::string> problems;
//   fold_setting_aliases(file.values, "", problems);
//   fold_setting_aliases(entry_settings, "host_configs[0]", problems);
//
// Never throws; thread-safe.

#ifndef FLECTO_AGENT_CONFIG_SETTING_ALIASES_HPP_
#define FLECTO_AGENT_CONFIG_SETTING_ALIASES_HPP_

#include <map>
#include <string>
#include <vector>

namespace flecto {

// The middleware's name that the file (never a flag or a variable) may use
// for debug_headers: on a command line, --debug would read as a log level.
inline constexpr const char* kDebugAlias = "debug";

// Folds `values` (setting name -> text) as described above. `where` names
// the source in problems ("" for the top level, "host_configs[1]"):
//   page_size = 1000 and redirects_limit = 500 differ: give one of them (page_size sets both listings' limits)
//   host_configs[1]: page_size = 1000 and pages_limit = 50 differ: ...
void fold_setting_aliases(std::map<std::string, std::string>& values, const std::string& where,
                          std::vector<std::string>& problems);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_SETTING_ALIASES_HPP_
