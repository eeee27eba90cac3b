#include "agent/config/print_config.hpp"

#include <set>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "agent/config/duration.hpp"
#include "agent/config/loader.hpp"
#include "agent/config/manager_url.hpp"
#include "agent/config/proxy.hpp"
#include "agent/config/setting_value.hpp"
#include "agent/text/json_string.hpp"
#include "agent/text/plural.hpp"

namespace flecto {
namespace {

// A TOML basic string: JSON's escapes (\" \\ \n \t \u00XX) are TOML's too.
std::string toml_string(std::string_view value) {
  std::string out;
  append_json_string(out, value);
  return out;
}

// The proxy URL without its user info (a password must not be printed).
std::string proxy_description(const std::string& proxy_url) {
  if (proxy_url.empty()) return toml_string("");
  try {
    const Proxy proxy = parse_proxy_url(proxy_url, "proxy_url");
    return toml_string(proxy.display() + (proxy.username.empty() ? "" : " (with credentials, not shown)"));
  } catch (const std::exception&) {
    return toml_string("(invalid)");  // load_config refuses it; never the text, which may hold a password
  }
}

// Whether a token is set and where it came from, never the token.
std::string token_description(const std::string& token, const std::string& token_file) {
  if (token.empty()) return toml_string("(not set)");
  if (token_file.empty()) return toml_string("(set)");
  return toml_string("(set, from " + token_file + ")");
}

class TomlWriter {
 public:
  void text(std::string_view key, std::string_view value) { line(key, toml_string(value)); }
  void duration(std::string_view key, std::chrono::milliseconds value) { text(key, format_duration(value)); }
  void number(std::string_view key, std::size_t value) { line(key, std::to_string(value)); }
  void boolean(std::string_view key, bool value) { line(key, value ? "true" : "false"); }
  void line(std::string_view key, std::string_view toml_value) {
    out_ += key;
    out_ += " = ";
    out_ += toml_value;
    out_ += '\n';
  }
  void comment(std::string_view text) {
    out_ += "# ";
    out_ += text;
    out_ += '\n';
  }
  void raw(std::string_view text) { out_ += text; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// page_size when both limits agree (else a comment: the file printed must
// load again, and page_size with a limit it differs from is an error), then
// the two limits.
void write_page_size(TomlWriter& out, const ListingLimits& limits) {
  if (limits.redirects == limits.pages) {
    out.number("page_size", static_cast<std::size_t>(limits.redirects));
  } else {
    out.comment("page_size: not shown, redirects_limit and pages_limit differ");
  }
}

void write_limits(TomlWriter& out, const ListingLimits& limits) {
  out.number("redirects_limit", static_cast<std::size_t>(limits.redirects));
  out.number("pages_limit", static_cast<std::size_t>(limits.pages));
}

// One top-level setting, by its name in setting_specs(). False for a name
// this file does not know, so that a new setting cannot be printed by
// accident before its value has been considered here (a secret, say).
bool write_setting(TomlWriter& out, const Config& c, std::string_view name) {
  if (name == "manager_url") out.text(name, c.manager_url);
  else if (name == "namespace_code") out.text(name, c.namespace_code);
  else if (name == "project_code") out.text(name, c.project_code);
  else if (name == "token_file") out.line("token", token_description(c.token, c.token_file));
  else if (name == "token_jwt") {}  // both are `token`, printed once above
  else if (name == "header_authorization_name") out.text(name, c.header_authorization_name);
  else if (name == "ca_file") out.text(name, c.ca_file);
  else if (name == "interval_check") out.duration(name, c.interval_check);
  else if (name == "page_size") write_page_size(out, c.listing_limits);
  else if (name == "redirects_limit") out.number(name, static_cast<std::size_t>(c.listing_limits.redirects));
  else if (name == "pages_limit") out.number(name, static_cast<std::size_t>(c.listing_limits.pages));
  else if (name == "on_invalid_rules") out.text(name, invalid_rules_text(c.on_invalid_rules));
  else if (name == "connect_timeout") out.duration(name, c.connect_timeout);
  else if (name == "read_timeout") out.duration(name, c.read_timeout);
  else if (name == "sync_timeout") out.duration(name, c.sync_timeout);
  else if (name == "proxy_url") out.line(name, proxy_description(c.proxy_url));
  else if (name == "agent_name") out.text(name, c.agent_name);
  else if (name == "state_dir") out.text(name, c.state_dir);
  else if (name == "rules") out.text(name, c.rules_file);
  else if (name == "listen") out.text(name, c.listen);
  else if (name == "admin_listen") out.text(name, c.admin_listen);
  else if (name == "relay_listen") out.text(name, c.relay_listen);
  else if (name == "relay_tls_cert") out.text(name, c.relay_tls_cert);
  else if (name == "relay_tls_key") out.text(name, c.relay_tls_key);
  else if (name == "relay_auth_ttl") out.duration(name, c.relay_auth_ttl);
  else if (name == "debug_headers") out.boolean(name, c.debug_headers);
  else if (name == "permanent_redirect_cache_control") out.text(name, c.permanent_redirect_cache_control);
  else if (name == "temporary_redirect_cache_control") out.text(name, c.temporary_redirect_cache_control);
  else if (name == "page_cache_control") out.text(name, c.page_cache_control);
  else if (name == "query_fallback") out.boolean(name, c.query_fallback);
  else if (name == "query_preserve") out.boolean(name, c.query_preserve);
  else if (name == "access_log") out.boolean(name, c.access_log);
  else if (name == "edge_threads") {
    if (c.edge_threads == 0) out.comment("edge_threads: not set, one event loop per CPU");
    else out.number(name, c.edge_threads);
  } else if (name == "regex_memory_mb") out.number(name, c.regex_memory_mb);
  else if (name == "log_level") out.text(name, c.log_level);
  else if (name == "log_format") out.text(name, c.log_format);
  else return false;
  return true;
}

void write_host_config(TomlWriter& out, const HostConfig& entry) {
  out.raw("\n[[host_configs]]\n");
  std::string hosts = "[";
  for (const auto& host : entry.hosts) {
    if (hosts.size() > 1) hosts += ", ";
    hosts += toml_string(host);
  }
  out.line("hosts", hosts + "]");
  out.text("project_code", entry.project_code);
  out.text("manager_url", entry.manager_url);
  out.text("namespace_code", entry.namespace_code);
  out.line("token", token_description(entry.token, entry.token_file));
  out.text("header_authorization_name", entry.header_authorization_name);
  out.text("ca_file", entry.ca_file);
  out.duration("interval_check", entry.interval_check);
  write_page_size(out, entry.listing_limits);
  write_limits(out, entry.listing_limits);
  out.text("on_invalid_rules", invalid_rules_text(entry.on_invalid_rules));
}

std::string canonical_url(const std::string& url) {
  try {
    return parse_manager_url(url).to_string();
  } catch (const std::invalid_argument&) {
    return url;
  }
}

}  // namespace

std::string render_config_toml(const Config& config) {
  TomlWriter out;
  out.comment("flecto-agent: the effective configuration (flags, FLECTO_* variables, the file, defaults),");
  out.comment("with every [[host_configs]] entry resolved. Tokens are never shown.");
  for (const auto& spec : setting_specs()) {
    if (!write_setting(out, config, spec.name)) {
      out.comment(std::string(spec.name) + ": not shown");
    }
  }
  if (!config.host_configs.empty() && config.project_code.empty()) {
    out.comment("No project_code: a host that no entry lists is a miss (404).");
  }
  for (const auto& entry : config.host_configs) write_host_config(out, entry);
  return out.take();
}

std::string config_summary(const Config& config) {
  if (!config.rules_file.empty()) return "serves the rules file " + toml_string(config.rules_file);
  if (config.host_configs.empty()) return "1 project, every host";
  std::set<std::tuple<std::string, std::string, std::string>> projects;
  std::size_t hosts = 0;
  for (const auto& entry : config.host_configs) {
    projects.emplace(canonical_url(entry.manager_url), entry.namespace_code, entry.project_code);
    hosts += entry.hosts.size();
  }
  std::string summary;
  if (!config.project_code.empty()) {
    projects.emplace(canonical_url(config.manager_url), config.namespace_code, config.project_code);
    summary = counted("project", projects.size()) + ", " + counted("host", hosts) +
              " (the others: project " + toml_string(config.project_code) + ")";
  } else {
    summary = counted("project", projects.size()) + ", " + counted("host", hosts);
  }
  return summary;
}

}  // namespace flecto
