#include "agent/config/host_configs.hpp"

#include <arpa/inet.h>

#include <chrono>
#include <stdexcept>
#include <tuple>

#include "agent/config/manager_url.hpp"
#include "agent/config/setting_aliases.hpp"
#include "agent/config/setting_value.hpp"
#include "agent/config/small_file.hpp"
#include "agent/text/ascii.hpp"
#include "agent/text/json_string.hpp"

namespace flecto {
namespace {

constexpr std::size_t kMaxNameLength = 253;  // DNS, without the trailing dot
constexpr std::size_t kMaxLabelLength = 63;

std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

bool is_name_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Why `name` (no wildcard, no brackets) is not a DNS name or IPv4 address.
std::string plain_name_problem(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return "not a host name";
  if (name.size() > kMaxNameLength) return "longer than 253 characters";
  std::size_t label = 0;
  for (const char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (c == '.') {
      if (label == 0) return "an empty label (a leading dot, or two dots in a row)";
      label = 0;
      continue;
    }
    if (!is_name_byte(c)) {
      return std::string("a host name cannot hold '") + byte + "' (only letters, digits, '-', '_' and dots)";
    }
    if (++label > kMaxLabelLength) return "a label longer than 63 characters";
  }
  if (label == 0) return "an empty label (a leading dot, or two dots in a row)";
  return {};
}

std::string bracketed_problem(std::string_view host) {
  const auto close = host.find(']');
  if (close == std::string_view::npos) return "an IPv6 address without its closing ']'";
  const std::string_view after = host.substr(close + 1);
  if (!after.empty()) return after[0] == ':' ? "a host name, without a port" : "text after the IPv6 address";
  const std::string address(host.substr(1, close - 1));
  in6_addr parsed{};
  if (::inet_pton(AF_INET6, address.c_str(), &parsed) != 1) return "not an IPv6 address";
  return {};
}

// The settings that entries of one project share through their one sync.
struct SyncSettings {
  std::string where;  // "host_configs[1]", "the top level"
  const HostConfig* config;
};

std::string sync_key_url(const std::string& url) {
  try {
    return parse_manager_url(url).to_string();
  } catch (const std::invalid_argument&) {
    return url;
  }
}

// The settings two entries of one project give differently ("" when none).
std::string disagreements(const HostConfig& a, const HostConfig& b) {
  std::string out;
  const auto add = [&](bool differ, const char* name) {
    if (!differ) return;
    if (!out.empty()) out += ", ";
    out += name;
  };
  add(a.token != b.token, "token");
  add(a.header_authorization_name != b.header_authorization_name, "header_authorization_name");
  add(a.ca_file != b.ca_file, "ca_file");
  add(a.interval_check != b.interval_check, "interval_check");
  const bool redirects = a.listing_limits.redirects != b.listing_limits.redirects;
  const bool pages = a.listing_limits.pages != b.listing_limits.pages;
  add(redirects && pages, "page_size");
  add(redirects && !pages, "redirects_limit");
  add(pages && !redirects, "pages_limit");
  add(a.on_invalid_rules != b.on_invalid_rules, "on_invalid_rules");
  return out;
}

class EntryResolver {
 public:
  EntryResolver(const Config& root, bool root_token_unreadable, std::vector<std::string>& problems)
      : root_(root), root_token_unreadable_(root_token_unreadable), problems_(problems) {}

  // The entry resolved; false when it has a problem of its own.
  bool resolve(std::size_t index, const HostConfigEntry& entry, HostConfig& out) {
    where_ = "host_configs[" + std::to_string(index) + "]";
    ok_ = entry.mistyped.empty();
    entry_ = &entry;
    if (!entry.is_table) return false;
    settings_ = entry.settings;
    const std::size_t before = problems_.size();
    fold_setting_aliases(settings_, where_, problems_);
    if (problems_.size() != before) ok_ = false;
    hosts(entry, out);
    if (const std::string* code = own("project_code")) {
      if (code->empty()) problem(where_ + ".project_code: must not be empty");
      out.project_code = *code;
    } else if (entry.mistyped.count("project_code")) {
      ok_ = false;
    } else {
      problem(where_ + ": project_code is required");
    }
    manager_url(out);
    inherited_text("namespace_code", root_.namespace_code, out.namespace_code);
    if (out.namespace_code.empty() && !own("namespace_code") && !mistyped("namespace_code")) {
      problem(where_ + ": namespace_code is required (here or at the top level)");
    }
    inherited_text("header_authorization_name", root_.header_authorization_name, out.header_authorization_name);
    out.ca_file = root_.ca_file;
    if (const std::string* ca = own("ca_file")) {
      out.ca_file = *ca;  // "" here: the system's CA store
      if (!ca->empty()) {
        const FileText file = read_small_file(*ca);
        if (!file.text) problem(where_ + ".ca_file: " + file.problem);
      }
    }
    out.interval_check = root_.interval_check;
    if (const std::string* text = own("interval_check")) {
      const std::string why = duration_problem(*text, out.interval_check);
      if (!why.empty()) problem(where_ + ".interval_check: " + why);
    }
    out.listing_limits = root_.listing_limits;  // page_size is folded into the two
    limit("redirects_limit", out.listing_limits.redirects);
    limit("pages_limit", out.listing_limits.pages);
    out.on_invalid_rules = root_.on_invalid_rules;
    if (const std::string* text = own("on_invalid_rules")) {
      const std::string why = invalid_rules_problem(*text, out.on_invalid_rules);
      if (!why.empty()) problem(where_ + ".on_invalid_rules: " + why);
    }
    token(out);
    return ok_;
  }

 private:
  // What the entry sets, with the middleware's names folded into ours.
  const std::string* own(const std::string& name) const {
    const auto it = settings_.find(name);
    return it == settings_.end() ? nullptr : &it->second;
  }
  void limit(const std::string& name, int& out) {
    if (const std::string* text = own(name)) {
      const std::string why = listing_limit_problem(*text, out);
      if (!why.empty()) problem(where_ + "." + name + ": " + why);
    }
  }
  bool mistyped(const std::string& name) const { return entry_->mistyped.count(name) > 0; }
  void problem(std::string message) {
    problems_.push_back(std::move(message));
    ok_ = false;
  }
  void inherited_text(const std::string& name, const std::string& inherited, std::string& out) {
    out = inherited;
    if (const std::string* value = own(name)) {
      if (value->empty()) problem(where_ + "." + name + ": must not be empty");
      out = *value;
    }
  }

  void hosts(const HostConfigEntry& entry, HostConfig& out) {
    if (entry.mistyped.count("hosts")) {
      ok_ = false;
      return;
    }
    if (!entry.hosts) {
      problem(where_ + ": hosts is required (the host names this project answers)");
      return;
    }
    out.hosts = *entry.hosts;
    if (out.hosts.empty()) problem(where_ + ".hosts: empty: list at least one host name");
    for (std::size_t j = 0; j < out.hosts.size(); ++j) {
      const std::string& host = out.hosts[j];
      const std::string name = where_ + ".hosts[" + std::to_string(j) + "]";
      if (const std::string why = host_name_problem(host); !why.empty()) {
        problem(name + ": " + quoted(host) + ": " + why);
        continue;
      }
      const auto [seen, added] = listed_.emplace(normalize_host_name(host), name);
      if (!added) problem(name + ": " + quoted(host) + " is listed already in " + seen->second);
    }
  }

  void manager_url(HostConfig& out) {
    out.manager_url = root_.manager_url;
    if (const std::string* url = own("manager_url")) {
      out.manager_url = *url;
      if (url->empty()) {
        problem(where_ + ".manager_url: must not be empty");
        return;
      }
      try {
        parse_manager_url(*url);
      } catch (const std::invalid_argument& e) {
        problem(where_ + ".manager_url: " + e.what());
      }
    } else if (out.manager_url.empty() && !mistyped("manager_url")) {
      problem(where_ + ": manager_url is required (here or at the top level)");
    }
  }

  void token(HostConfig& out) {
    const std::string* jwt = own("token_jwt");
    const std::string* file = own("token_file");
    if (jwt && file) {
      problem(where_ + ": token_jwt and token_file: set only one of them");
      return;
    }
    if (jwt) {
      if (jwt->empty()) problem(where_ + ".token_jwt: must not be empty");
      out.token = *jwt;
      out.token_file.clear();
      return;
    }
    if (file) {
      if (file->empty()) {
        problem(where_ + ".token_file: empty: name the file that holds the token");
        return;
      }
      const FileText read = read_secret_file(*file);
      if (!read.text) {
        problem(where_ + ".token_file: " + read.problem);
      } else if (read.text->empty()) {
        problem(where_ + ".token_file: \"" + *file + "\" is empty");
      } else {
        out.token = *read.text;
        out.token_file = *file;
      }
      return;
    }
    out.token = root_.token;
    out.token_file = root_.token_file;
    if (out.token.empty() && root_token_unreadable_) {
      ok_ = false;  // reported at the top level
    } else if (out.token.empty() && !mistyped("token_jwt") && !mistyped("token_file")) {
      problem(where_ + ": a token is required: token_file or token_jwt (here or at the top level)");
    }
  }

  const Config& root_;
  const bool root_token_unreadable_;
  std::vector<std::string>& problems_;
  std::map<std::string, std::string> listed_;  // normalized host -> "host_configs[i].hosts[j]"
  std::string where_;
  const HostConfigEntry* entry_ = nullptr;
  std::map<std::string, std::string> settings_;  // entry_'s, folded
  bool ok_ = true;
};

}  // namespace

std::string normalize_host_name(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string out;
  out.reserve(host.size());
  for (const char c : host) out += ascii_lower(c);
  return out;
}

bool is_wildcard_host(std::string_view host) { return host.size() > 2 && host.substr(0, 2) == "*."; }

std::string host_name_problem(std::string_view host) {
  if (host.empty()) return "empty: name a host";
  for (const char byte : host) {
    const auto c = static_cast<unsigned char>(byte);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      return "a host name cannot hold spaces";
    }
    if (c < 0x20 || c == 0x7f) return "a host name cannot hold control characters";
    if (c >= 0x80) return "not ASCII: write an internationalized name in its xn-- form";
  }
  if (host.find("://") != std::string_view::npos) return "a host name, without a scheme (http://)";
  if (host.find('/') != std::string_view::npos) return "a host name, without a path";
  if (host.find('@') != std::string_view::npos) return "a host name, without user info";
  if (host.front() == '[') return bracketed_problem(host);
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    return host.find(':', colon + 1) == std::string_view::npos
               ? "a host name, without a port"
               : "an IPv6 address goes in brackets, as in [::1]";
  }
  if (host.find('*') != std::string_view::npos) {
    std::string_view rest = host.substr(host.size() > 1 ? 2 : 1);
    if (!is_wildcard_host(host) || rest.find('*') != std::string_view::npos || rest == "." ||
        !plain_name_problem(rest).empty()) {
      return "a bad wildcard: only a leading \"*.\" followed by a name is one (*.example.com)";
    }
    return {};
  }
  return plain_name_problem(host);
}

std::vector<HostConfig> resolve_host_configs(const std::vector<HostConfigEntry>& entries, const Config& root,
                                             bool root_token_unreadable, std::vector<std::string>& problems) {
  std::vector<HostConfig> resolved(entries.size());
  std::vector<bool> clean(entries.size());
  EntryResolver resolver(root, root_token_unreadable, problems);
  for (std::size_t i = 0; i < entries.size(); ++i) clean[i] = resolver.resolve(i, entries[i], resolved[i]);

  // Entries of one project share one sync: they must agree on its settings.
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, SyncSettings> projects;
  HostConfig root_project;
  if (!root.project_code.empty() && !root.manager_url.empty()) {
    root_project.manager_url = root.manager_url;
    root_project.namespace_code = root.namespace_code;
    root_project.project_code = root.project_code;
    root_project.token = root.token;
    root_project.header_authorization_name = root.header_authorization_name;
    root_project.ca_file = root.ca_file;
    root_project.interval_check = root.interval_check;
    root_project.listing_limits = root.listing_limits;
    root_project.on_invalid_rules = root.on_invalid_rules;
    projects.emplace(Key{sync_key_url(root.manager_url), root.namespace_code, root.project_code},
                     SyncSettings{"the top level", &root_project});
  }
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    if (!clean[i]) continue;
    const HostConfig& entry = resolved[i];
    const std::string where = "host_configs[" + std::to_string(i) + "]";
    const auto [first, added] = projects.emplace(
        Key{sync_key_url(entry.manager_url), entry.namespace_code, entry.project_code}, SyncSettings{where, &entry});
    if (added) continue;
    if (const std::string differ = disagreements(*first->second.config, entry); !differ.empty()) {
      problems.push_back(where + ": the same project as " + first->second.where +
                         " (manager_url, namespace_code and project_code) with another " + differ +
                         ": the entries of one project share one sync, so they must agree");
    }
  }
  return resolved;
}

}  // namespace flecto
