#include "agent/config/loader.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <toml++/toml.h>

#include "agent/config/agent_name.hpp"
#include "agent/config/header_value.hpp"
#include "agent/config/host_configs.hpp"
#include "agent/config/host_configs_toml.hpp"
#include "agent/config/listen_address.hpp"
#include "agent/config/manager_url.hpp"
#include "agent/config/setting_aliases.hpp"
#include "agent/config/setting_value.hpp"
#include "agent/config/small_file.hpp"
#include "agent/config/proxy.hpp"
#include "agent/service/logging.hpp"
#include "agent/text/join.hpp"

extern char** environ;

namespace flecto {
namespace {

std::string env_name(std::string_view name) {
  std::string out = "FLECTO_";
  for (char c : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_known_setting(std::string_view name) {
  if (name == kDebugAlias) return true;  // the file's only (setting_aliases.hpp)
  for (const auto& spec : setting_specs()) {
    if (name == spec.name) return true;
  }
  return false;
}

// Collects typed values and every problem met on the way.
class Checker {
 public:
  explicit Checker(SettingValues merged) : values_(std::move(merged)) {}

  const std::string* get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  void text(const std::string& name, std::string& out) const {
    if (auto v = get(name)) out = *v;
  }
  void integer(const std::string& name, int min, int max, int& out) {
    const std::string* v = get(name);
    if (!v) return;
    if (const std::string why = whole_number_problem(*v, min, max, out); !why.empty()) problem(name + ": " + why);
  }
  void boolean(const std::string& name, bool& out) {
    const std::string* v = get(name);
    if (!v) return;
    if (*v == "true" || *v == "1" || *v == "yes") out = true;
    else if (*v == "false" || *v == "0" || *v == "no") out = false;
    else problem(name + ": expected true or false, got \"" + *v + "\"");
  }
  void duration(const std::string& name, std::chrono::milliseconds& out) {
    const std::string* v = get(name);
    if (!v) return;
    if (const std::string why = duration_problem(*v, out); !why.empty()) problem(name + ": " + why);
  }
  void problem(std::string message) { problems_.push_back(std::move(message)); }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  SettingValues values_;
  std::vector<std::string> problems_;
};

// Whether a token source was named or found (token_jwt, token_file or the
// credential), read or not: a problem with it is reported here.
bool resolve_token(Checker& check, Config& config) {
  const std::string* jwt = check.get("token_jwt");
  const std::string* file = check.get("token_file");
  if (jwt && file) {
    check.problem("token_jwt and token_file: set only one of them");
    return true;
  }
  if (jwt) {
    config.token = *jwt;
    return true;
  }
  std::string path;
  if (file) {
    if (file->empty()) {
      check.problem("token_file: empty: name the file that holds the token");
      return true;
    }
    path = *file;
  } else if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY")) {
    // systemd's LoadCredential= puts the token there.
    std::string candidate = std::string(credentials) + "/token";
    if (std::filesystem::exists(candidate)) path = candidate;
  }
  if (path.empty()) return false;
  const FileText token = read_secret_file(path);
  if (!token.text) {
    check.problem("token_file: " + token.problem);
  } else if (token.text->empty()) {
    check.problem("token_file: \"" + path + "\" is empty");
  } else {
    config.token = *token.text;
    config.token_file = path;
  }
  return true;
}

// The settings that only a sync with a manager uses.
constexpr const char* kManagerSettings[] = {
    "manager_url", "namespace_code", "project_code", "token_file", "token_jwt",
    "header_authorization_name", "ca_file", "interval_check", "page_size", "redirects_limit", "pages_limit",
    "sync_timeout", "proxy_url"};

void check_listen_address(Checker& check, const std::string& name, const std::string& value,
                          bool may_be_empty) {
  if (value.empty() && may_be_empty) return;
  try {
    parse_listen_address(value);
  } catch (const std::invalid_argument& e) {
    check.problem(name + ": " + e.what());
  }
}

// The relay's certificate and key: both or neither, each readable.
void check_relay_tls(Checker& check, const Config& config) {
  if (config.relay_tls_cert.empty() != config.relay_tls_key.empty()) {
    check.problem(config.relay_tls_cert.empty() ? "relay_tls_cert: required with relay_tls_key"
                                                : "relay_tls_key: required with relay_tls_cert");
  }
  for (auto [name, path] : {std::pair{"relay_tls_cert", &config.relay_tls_cert},
                            std::pair{"relay_tls_key", &config.relay_tls_key}}) {
    if (path->empty()) continue;
    const FileText file = read_small_file(*path);
    if (!file.text) check.problem(std::string(name) + ": " + file.problem);
  }
}

// A relay serves each project under its namespace and project code only:
// two projects of the same codes from different managers cannot both be
// relayed.
void check_relayed_projects(Checker& check, const Config& config) {
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> seen;  // codes -> url, where
  const auto note = [&](const std::string& ns, const std::string& code, const std::string& url,
                        const std::string& where) {
    const auto [at, added] = seen.emplace(std::pair{ns, code}, std::pair{url, where});
    if (!added && at->second.first != url) {
      check.problem(where + ": relay_listen: the project " + ns + "/" + code + " of " + url +
                    " is also that of " + at->second.first + " (" + at->second.second +
                    "): a relay serves one project per namespace and project code");
    }
  };
  if (!config.project_code.empty()) note(config.namespace_code, config.project_code, config.manager_url, "project_code");
  for (std::size_t i = 0; i < config.host_configs.size(); ++i) {
    const HostConfig& entry = config.host_configs[i];
    note(entry.namespace_code, entry.project_code, entry.manager_url, "host_configs[" + std::to_string(i) + "]");
  }
}

void check_manager_url(Checker& check, const std::string& url) {
  try {
    parse_manager_url(url);
  } catch (const std::invalid_argument& e) {
    check.problem(std::string("manager_url: ") + e.what());
  }
}

void require_manager_settings(Checker& check, const Config& config, bool token_source) {
  if (config.manager_url.empty()) {
    check.problem("manager_url: required (or serve a file with --rules)");
  } else {
    check_manager_url(check, config.manager_url);
  }
  if (config.namespace_code.empty()) check.problem("namespace_code: required");
  if (config.project_code.empty()) check.problem("project_code: required");
  if (!token_source) {
    check.problem("token_file: required (or token_jwt, or a systemd credential named \"token\")");
  }
  if (config.header_authorization_name.empty()) check.problem("header_authorization_name: must not be empty");
}

std::string default_state_dir() {
  // systemd sets STATE_DIRECTORY from StateDirectory=, colon-separated.
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
    std::string value = dir;
    return value.substr(0, value.find(':'));
  }
  return "/var/lib/flecto-agent";
}

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> specs = {
      {"manager_url", "Flecto Manager's URL, e.g. https://manager.example.com", false},
      {"namespace_code", "the project's namespace code", false},
      {"project_code", "the project's code", false},
      {"token_file", "a file holding the manager token (preferred to token_jwt)", false},
      {"token_jwt", "the manager token itself (visible in the process list: prefer token_file)", false},
      {"header_authorization_name", "the header that carries \"Bearer <token>\" (default Authorization)", false},
      {"ca_file", "CA certificates (PEM) to verify the manager with (default: the system's)", false},
      {"proxy_url", "HTTP proxy for the manager, http://[user:pass@]host[:port] (default: HTTPS_PROXY/HTTP_PROXY)",
       false},
      {"interval_check", "how often to check the manager's version (default 5m)", false},
      {"page_size", "items asked per listing page, of redirects and of pages (default 2000)", false},
      {"redirects_limit", "items asked per page of the redirects listing (default: page_size)", false},
      {"pages_limit", "items asked per page of the pages listing (default: page_size)", false},
      {"on_invalid_rules",
       "skip: serve a version without its invalid rules; reject: keep serving the previous version (default skip)",
       false},
      {"connect_timeout", "timeout to connect to the manager (default 5s)", false},
      {"read_timeout", "timeout for each read from the manager (default 30s)", false},
      {"sync_timeout", "bound on one whole sync (default 5m)", false},
      {"agent_name", "the name reported to the manager (default: the host name, '-' for other characters)", false},
      {"state_dir", "where the snapshot is kept (default $STATE_DIRECTORY, else /var/lib/flecto-agent)", false},
      {"rules", "serve this rules file and do not sync with a manager", false},
      {"listen", "the edge listener, host:port (default 127.0.0.1:8080; 0.0.0.0:8080 for every address)", false},
      {"admin_listen", "the admin listener, host:port (default 127.0.0.1:9090; empty: none)", false},
      {"relay_listen", "serve the manager's agent API to other agents on host:port (default: empty, no relay)",
       false},
      {"relay_tls_cert", "the relay's TLS certificate chain, PEM (with relay_tls_key; default: plain HTTP)", false},
      {"relay_tls_key", "the relay's TLS private key, PEM (with relay_tls_cert)", false},
      {"relay_auth_ttl", "how long the relay trusts a downstream token the manager accepted (default 60s)", false},
      {"debug_headers", "add X-Flecto-Version and X-Flecto-Rule to answers", true},
      {"permanent_redirect_cache_control", "Cache-Control of 301 and 308 answers, e.g. max-age=3600 (default: none)",
       false},
      {"temporary_redirect_cache_control", "Cache-Control of 302 and 307 answers, e.g. no-store (default: none)", false},
      {"page_cache_control", "Cache-Control of pages (200 and 304), e.g. max-age=300 (default: none)", false},
      {"query_fallback", "when nothing matches a target with a query, match its path alone", true},
      {"query_preserve", "a redirect found by query_fallback keeps the request's query", true},
      {"access_log", "log one line per edge answer (for an agent facing clients without nginx)", true},
      {"edge_threads", "event loops of the edge listener, 1 to 256 (default: one per CPU)", false},
      {"regex_memory_mb",
       "memory the regex machinery of one table may use, in MiB (default " +
           std::to_string(TableOptions::kDefaultRegexMemoryMb) + ")",
       false},
      {"log_level", "trace, debug, info, warn, error, critical or off (default info)", false},
      {"log_format", "text (one line per event) or json (one JSON object per line) (default text)", false},
  };
  return specs;
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join(problems, "\n")), problems_(std::move(problems)) {}

SettingValues settings_from_environment() {
  SettingValues values;
  for (const auto& spec : setting_specs()) {
    if (const char* v = std::getenv(env_name(spec.name).c_str())) values[spec.name] = v;
  }
  return values;
}

TomlSettings read_toml_settings(const std::string& path) {
  TomlSettings out;
  const FileText file = read_small_file(path);
  if (!file.text) {
    out.problems.push_back("config: " + file.problem);
    return out;
  }
  toml::table document;
  try {
    document = toml::parse(*file.text, path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    out.problems.push_back(path + ": line " + std::to_string(where.line) + ", column " +
                           std::to_string(where.column) + ": " + std::string(e.description()));
    return out;
  }
  out.parsed = true;
  const auto line_of = [&](const toml::node& node) {
    return path + ": line " + std::to_string(node.source().begin.line) + ": ";
  };
  // Settings sit at the top level or, all of them, under [flecto-agent].
  const toml::table* table = &document;
  if (auto* section = document["flecto-agent"].as_table()) {
    table = section;
    for (const auto& [key, node] : document) {
      if (key.str() == "flecto-agent") continue;
      out.problems.push_back(line_of(node) + "\"" + std::string(key.str()) +
                             "\" is outside [flecto-agent]: with that table, every setting goes in it");
    }
  }
  for (const auto& [key, node] : *table) {
    std::string name(key.str());
    if (name == "host_configs") {
      out.host_configs = read_host_configs_toml(node, out.problems);
      continue;
    }
    if (!is_known_setting(name)) {
      out.problems.push_back(line_of(node) + "unknown setting \"" + name + "\"");
      continue;
    }
    if (auto text = node.value<std::string>(); text && node.is_string()) out.values[name] = *text;
    else if (node.is_integer()) out.values[name] = std::to_string(*node.value<std::int64_t>());
    else if (node.is_boolean()) out.values[name] = *node.value<bool>() ? "true" : "false";
    else out.problems.push_back(line_of(node) + name + ": expected a string, a number or a boolean");
  }
  return out;
}

SettingValues settings_from_toml_file(const std::string& path) {
  TomlSettings settings = read_toml_settings(path);
  if (!settings.problems.empty()) throw ConfigError(settings.problems);
  return std::move(settings.values);
}

Config load_config(const ConfigSources& sources, RunMode mode) {
  SettingValues merged;
  std::vector<std::string> problems;
  // A file that cannot be read or parsed may have set anything: "required"
  // would then be a false alarm, so only its own problem is reported.
  bool file_read_whole = true;
  std::vector<HostConfigEntry> host_config_entries;  // the file's only: no flag or variable sets them
  if (!sources.config_file.empty()) {
    TomlSettings file = read_toml_settings(sources.config_file);
    merged = std::move(file.values);
    host_config_entries = std::move(file.host_configs);
    problems = std::move(file.problems);
    file_read_whole = file.parsed;
  }
  // Each source on its own, so that precedence applies to the folded names.
  fold_setting_aliases(merged, "", problems);
  for (const SettingValues* source : {&sources.environment, &sources.flags}) {
    SettingValues folded = *source;
    fold_setting_aliases(folded, "", problems);
    for (const auto& [name, value] : folded) merged[name] = value;
  }

  Config config;
  Checker check(std::move(merged));
  for (auto& p : problems) check.problem(std::move(p));

  check.text("manager_url", config.manager_url);
  check.text("namespace_code", config.namespace_code);
  check.text("project_code", config.project_code);
  check.text("header_authorization_name", config.header_authorization_name);
  check.text("ca_file", config.ca_file);
  check.text("proxy_url", config.proxy_url);
  if (!config.proxy_url.empty()) {
    try {
      parse_proxy_url(config.proxy_url, "proxy_url");  // the message names it, without user info
    } catch (const std::invalid_argument& e) {
      check.problem(e.what());
    }
  }
  check.duration("interval_check", config.interval_check);
  check.duration("connect_timeout", config.connect_timeout);
  check.duration("read_timeout", config.read_timeout);
  check.duration("sync_timeout", config.sync_timeout);
  check.integer("redirects_limit", 1, 100000, config.listing_limits.redirects);  // page_size folded in
  check.integer("pages_limit", 1, 100000, config.listing_limits.pages);
  if (const std::string* text = check.get("on_invalid_rules")) {
    if (const std::string why = invalid_rules_problem(*text, config.on_invalid_rules); !why.empty()) {
      check.problem("on_invalid_rules: " + why);
    }
  }
  check.text("rules", config.rules_file);
  check.text("listen", config.listen);
  check.text("admin_listen", config.admin_listen);
  check_listen_address(check, "listen", config.listen, false);
  check_listen_address(check, "admin_listen", config.admin_listen, true);
  check.text("relay_listen", config.relay_listen);
  check_listen_address(check, "relay_listen", config.relay_listen, true);
  check.text("relay_tls_cert", config.relay_tls_cert);
  check.text("relay_tls_key", config.relay_tls_key);
  check_relay_tls(check, config);
  check.duration("relay_auth_ttl", config.relay_auth_ttl);
  check.boolean("debug_headers", config.debug_headers);
  for (auto [name, value] : {std::pair{"permanent_redirect_cache_control", &config.permanent_redirect_cache_control},
                             std::pair{"temporary_redirect_cache_control", &config.temporary_redirect_cache_control},
                             std::pair{"page_cache_control", &config.page_cache_control}}) {
    check.text(name, *value);
    if (const std::string why = header_value_problem(*value); !why.empty()) check.problem(std::string(name) + ": " + why);
  }
  check.boolean("query_fallback", config.query_fallback);
  check.boolean("query_preserve", config.query_preserve);
  if (config.query_preserve && !config.query_fallback) {
    config.warnings.push_back("query_preserve: ignored: it applies to what query_fallback finds, which is off");
  }
  check.boolean("access_log", config.access_log);
  if (check.get("edge_threads")) {
    int edge_threads = 1;
    check.integer("edge_threads", 1, 256, edge_threads);
    config.edge_threads = static_cast<std::size_t>(edge_threads);
  }
  int regex_memory_mb = static_cast<int>(config.regex_memory_mb);
  check.integer("regex_memory_mb", 8, 65536, regex_memory_mb);
  config.regex_memory_mb = static_cast<std::size_t>(regex_memory_mb);
  check.text("log_level", config.log_level);
  static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!levels.count(config.log_level)) {
    check.problem("log_level: expected one of trace, debug, info, warn, error, critical, off; got \"" +
                  config.log_level + "\"");
  }
  check.text("log_format", config.log_format);
  if (!parse_log_format(config.log_format)) {
    check.problem("log_format: expected text or json; got \"" + config.log_format + "\"");
  }
  config.state_dir = default_state_dir();
  check.text("state_dir", config.state_dir);

  if (const std::string* name = check.get("agent_name")) {
    if (name->size() > kMaxAgentNameLength) {
      check.problem(agent_name_problem(*name));
    } else if (!is_valid_agent_name(*name)) {
      check.problem("agent_name: \"" + *name +
                    "\" may hold only letters, digits, '_' and '-' (the manager refuses other names)");
    }
    config.agent_name = *name;
  } else {
    config.agent_name = default_agent_name();
  }

  const bool serves_file = mode == RunMode::kDaemon && !config.rules_file.empty();
  if (mode == RunMode::kSyncOnce && !config.rules_file.empty()) {
    check.problem("rules: --sync-once syncs with a manager; it cannot be combined with a rules file");
  }
  if (serves_file) {
    // No manager: its settings (and the token, which may be an empty file
    // that the unit's LoadCredential= needs) are not read.
    for (const char* name : kManagerSettings) {
      if (check.get(name)) {
        config.warnings.push_back(std::string(name) + ": ignored: rules serves \"" + config.rules_file +
                                  "\" without a manager");
      }
    }
    if (!host_config_entries.empty()) {
      config.warnings.push_back("host_configs: ignored: rules serves \"" + config.rules_file +
                                "\" without a manager");
    }
  } else {
    const bool token_source = resolve_token(check, config);
    if (!config.ca_file.empty()) {
      const FileText ca = read_small_file(config.ca_file);
      if (!ca.text) check.problem("ca_file: " + ca.problem);
    }
    // With host_configs, the top level is a project (the default one) only
    // when it names one; the entries then need what they do not inherit.
    const bool root_is_project = host_config_entries.empty() || !config.project_code.empty();
    if (file_read_whole && root_is_project) {
      require_manager_settings(check, config, token_source);
    } else if (!config.manager_url.empty()) {
      check_manager_url(check, config.manager_url);
    }
    if (file_read_whole && !host_config_entries.empty()) {
      std::vector<std::string> entry_problems;
      const bool root_token_unreadable = token_source && config.token.empty() && !check.get("token_jwt");
      config.host_configs =
          resolve_host_configs(host_config_entries, config, root_token_unreadable, entry_problems);
      for (auto& p : entry_problems) check.problem(std::move(p));
    }
  }
  if (!config.relay_listen.empty() && !serves_file) check_relayed_projects(check, config);
  if (!config.relay_listen.empty() && serves_file) {
    config.warnings.push_back("relay_listen: ignored: rules serves \"" + config.rules_file +
                              "\" without a manager, and a relay serves what it syncs");
  }
  if (!check.problems().empty()) throw ConfigError(check.problems());
  return config;
}

}  // namespace flecto
