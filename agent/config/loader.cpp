#include "agent/config/loader.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "agent/config/agent_name.hpp"
#include "agent/config/duration.hpp"

extern char** environ;

namespace flecto {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::string env_name(std::string_view name) {
  std::string out = "FLECTO_";
  for (char c : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_known_setting(std::string_view name) {
  for (const auto& spec : setting_specs()) {
    if (name == spec.name) return true;
  }
  return false;
}

// Reads a whole small file, trailing newlines removed (a token file usually has one).
std::optional<std::string> read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
    value.pop_back();
  }
  return value;
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
    int parsed = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), parsed);
    if (ec != std::errc() || end != v->data() + v->size() || parsed < min || parsed > max) {
      problem(name + ": expected a whole number from " + std::to_string(min) + " to " +
              std::to_string(max) + ", got \"" + *v + "\"");
      return;
    }
    out = parsed;
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
    try {
      auto parsed = parse_duration(*v);
      if (parsed.count() <= 0) {
        problem(name + ": must be longer than 0, got \"" + *v + "\"");
        return;
      }
      out = parsed;
    } catch (const std::invalid_argument& e) {
      problem(name + ": " + e.what() + " (write it like 30s, 5m or 1h30m)");
    }
  }
  void problem(std::string message) { problems_.push_back(std::move(message)); }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  SettingValues values_;
  std::vector<std::string> problems_;
};

void resolve_token(Checker& check, Config& config) {
  const std::string* jwt = check.get("token_jwt");
  const std::string* file = check.get("token_file");
  if (jwt && file) {
    check.problem("token_jwt and token_file: set only one of them");
    return;
  }
  if (jwt) {
    config.token = *jwt;
    return;
  }
  std::string path;
  if (file) {
    path = *file;
  } else if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY")) {
    // systemd's LoadCredential= puts the token there.
    std::string candidate = std::string(credentials) + "/token";
    if (std::filesystem::exists(candidate)) path = candidate;
  }
  if (path.empty()) return;
  auto token = read_secret_file(path);
  if (!token) {
    check.problem("token_file: cannot read \"" + path + "\"");
  } else if (token->empty()) {
    check.problem("token_file: \"" + path + "\" is empty");
  } else {
    config.token = *token;
  }
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
      {"interval_check", "how often to check the manager's version (default 5m)", false},
      {"page_size", "items asked per listing page (default 500)", false},
      {"connect_timeout", "timeout to connect to the manager (default 5s)", false},
      {"read_timeout", "timeout for each read from the manager (default 30s)", false},
      {"sync_timeout", "bound on one whole sync (default 5m)", false},
      {"agent_name", "the name reported to the manager (default: the host name, '-' for other characters)", false},
      {"state_dir", "where the snapshot is kept (default $STATE_DIRECTORY, else /var/lib/flecto-agent)", false},
      {"rules", "serve this rules file and do not sync with a manager", false},
      {"listen", "the edge listener, host:port (default 0.0.0.0:8080)", false},
      {"admin_listen", "the admin listener, host:port (default 127.0.0.1:9090; empty: none)", false},
      {"debug_headers", "add X-Flecto-Version and X-Flecto-Rule to answers", true},
      {"edge_threads", "event loops of the edge listener, 1 to 256 (default: one per CPU)", false},
      {"regex_memory_mb",
       "memory the regex machinery of one table may use, in MiB (default " +
           std::to_string(TableOptions::kDefaultRegexMemoryMb) + ")",
       false},
      {"log_level", "trace, debug, info, warn, error, critical or off (default info)", false},
  };
  return specs;
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

SettingValues settings_from_environment() {
  SettingValues values;
  for (const auto& spec : setting_specs()) {
    if (const char* v = std::getenv(env_name(spec.name).c_str())) values[spec.name] = v;
  }
  return values;
}

SettingValues settings_from_toml_file(const std::string& path) {
  toml::table file;
  try {
    file = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError({path + ": line " + std::to_string(where.line) + ", column " +
                       std::to_string(where.column) + ": " + std::string(e.description())});
  }
  // Settings may sit at the top level or under [flecto-agent].
  const toml::table* table = &file;
  if (auto* section = file["flecto-agent"].as_table()) table = section;

  SettingValues values;
  std::vector<std::string> problems;
  for (const auto& [key, node] : *table) {
    std::string name(key.str());
    if (table == &file && name == "flecto-agent") continue;
    if (!is_known_setting(name)) {
      problems.push_back(path + ": unknown setting \"" + name + "\"");
      continue;
    }
    if (auto s = node.value<std::string>(); s && node.is_string()) values[name] = *s;
    else if (node.is_integer()) values[name] = std::to_string(*node.value<std::int64_t>());
    else if (node.is_boolean()) values[name] = *node.value<bool>() ? "true" : "false";
    else problems.push_back(path + ": " + name + ": expected a string, a number or a boolean");
  }
  if (!problems.empty()) throw ConfigError(problems);
  return values;
}

Config load_config(const ConfigSources& sources, RunMode mode) {
  SettingValues merged;
  std::vector<std::string> problems;
  if (!sources.config_file.empty()) {
    try {
      merged = settings_from_toml_file(sources.config_file);
    } catch (const ConfigError& e) {
      problems = e.problems();
    }
  }
  for (const auto& [name, value] : sources.environment) merged[name] = value;
  for (const auto& [name, value] : sources.flags) merged[name] = value;

  Config config;
  Checker check(std::move(merged));
  for (auto& p : problems) check.problem(std::move(p));

  check.text("manager_url", config.manager_url);
  check.text("namespace_code", config.namespace_code);
  check.text("project_code", config.project_code);
  check.text("header_authorization_name", config.header_authorization_name);
  check.text("ca_file", config.ca_file);
  check.duration("interval_check", config.interval_check);
  check.duration("connect_timeout", config.connect_timeout);
  check.duration("read_timeout", config.read_timeout);
  check.duration("sync_timeout", config.sync_timeout);
  check.integer("page_size", 1, 100000, config.page_size);
  check.text("rules", config.rules_file);
  check.text("listen", config.listen);
  check.text("admin_listen", config.admin_listen);
  check.boolean("debug_headers", config.debug_headers);
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
  config.state_dir = default_state_dir();
  check.text("state_dir", config.state_dir);

  if (const std::string* name = check.get("agent_name")) {
    if (!is_valid_agent_name(*name)) {
      check.problem("agent_name: \"" + *name +
                    "\" may hold only letters, digits, '_' and '-' (the manager refuses other names)");
    }
    config.agent_name = *name;
  } else {
    config.agent_name = default_agent_name();
  }

  resolve_token(check, config);

  bool syncs = mode == RunMode::kSyncOnce || config.rules_file.empty();
  if (mode == RunMode::kSyncOnce && !config.rules_file.empty()) {
    check.problem("rules: --sync-once syncs with a manager; it cannot be combined with a rules file");
  }
  if (syncs) {
    if (config.manager_url.empty()) check.problem("manager_url: required (or serve a file with --rules)");
    if (config.namespace_code.empty()) check.problem("namespace_code: required");
    if (config.project_code.empty()) check.problem("project_code: required");
    if (config.token.empty() && !check.get("token_file") && !check.get("token_jwt")) {
      check.problem("token_file: required (or token_jwt, or a systemd credential named \"token\")");
    }
    if (config.header_authorization_name.empty()) check.problem("header_authorization_name: must not be empty");
  }
  if (!check.problems().empty()) throw ConfigError(check.problems());
  return config;
}

}  // namespace flecto
