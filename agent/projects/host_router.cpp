#include "agent/projects/host_router.hpp"

#include <stdexcept>

#include "agent/text/ascii.hpp"

namespace flecto {
namespace {

constexpr std::string_view kWildcardPrefix = "*.";

// `text` in double quotes, control and non-ASCII bytes as \xNN, so that a
// message naming a pattern stays one readable line.
std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += byte;
    }
  }
  out += '"';
  return out;
}

bool is_name_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_ipv6_literal_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
}

// Why the normalized `name` is not a host name (labels of [a-z0-9_-]
// separated by single dots), "" when it is.
std::string host_name_problem(std::string_view name) {
  if (name.empty()) return "empty host name";
  std::size_t label_length = 0;
  for (const char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (c == '.') {
      if (label_length == 0) return "empty label (\"..\", or a dot first)";
      label_length = 0;
      continue;
    }
    if (c == '*') return "'*' is only allowed as a whole first label (\"*.example.com\")";
    if (c == ':') return "a host pattern has no port (and an IPv6 address is written in brackets: \"[::1]\")";
    if (!is_name_byte(c)) {
      return "byte " + quoted(std::string_view(&byte, 1)) +
             " is not allowed (letters, digits, '-', '_' and dots; \"xn--\" for other names)";
    }
    ++label_length;
  }
  if (label_length == 0) return "empty label (\"..\" at the end)";
  return "";
}

std::string ipv6_literal_problem(std::string_view literal) {
  if (literal.size() < 3 || literal.back() != ']') return "an IPv6 address ends with ']' (\"[::1]\")";
  const std::string_view inside = literal.substr(1, literal.size() - 2);
  if (inside.find(':') == std::string_view::npos) return "an IPv6 address in brackets has ':' in it";
  for (const char byte : inside) {
    if (!is_ipv6_literal_byte(static_cast<unsigned char>(byte))) {
      return "byte " + quoted(std::string_view(&byte, 1)) + " is not allowed in an IPv6 address";
    }
  }
  return "";
}

}  // namespace

std::string_view host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return host;
    const std::string_view after = host.substr(close + 1);
    if (after.empty() || after.front() == ':') return host.substr(0, close + 1);
    return host;  // "[::1]x": not a host and port; matches nothing unless listed
  }
  const std::size_t colon = host.find(':');
  if (colon == std::string_view::npos) return host;
  if (host.find(':', colon + 1) != std::string_view::npos) return host;  // a bare IPv6 address
  return host.substr(0, colon);
}

std::string_view normalize_host(std::string_view host, bool strip_port, HostBuffer& buffer) {
  std::string_view name = strip_port ? host_without_port(host) : host;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.size() > buffer.size()) return {};
  for (std::size_t i = 0; i < name.size(); ++i) buffer[i] = ascii_lower(name[i]);
  return {buffer.data(), name.size()};
}

std::string normalize_host(std::string_view host, bool strip_port) {
  std::string_view name = strip_port ? host_without_port(host) : host;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string host_pattern_problem(std::string_view pattern) {
  const std::string name = normalize_host(pattern, false);
  std::string problem;
  if (name.empty()) {
    problem = "empty host";
  } else if (name.size() > kMaxHostLength) {
    problem = std::to_string(name.size()) + " bytes; a host name has at most " +
              std::to_string(kMaxHostLength);
  } else if (name.front() == '[') {
    problem = ipv6_literal_problem(name);
  } else if (name == "*" || name == kWildcardPrefix) {  // "*", "*.", "*.." (one trailing dot removed)
    problem = "a wildcard needs a domain after \"*.\" (\"*.example.com\")";
  } else if (name.compare(0, kWildcardPrefix.size(), kWildcardPrefix) == 0) {
    problem = host_name_problem(std::string_view(name).substr(kWildcardPrefix.size()));
  } else {
    problem = host_name_problem(name);
  }
  if (problem.empty()) return "";
  return "host " + quoted(pattern) + ": " + problem;
}

HostRouter::HostRouter(const std::vector<HostRoute>& routes, std::optional<std::size_t> default_project)
    : default_project_(default_project) {
  // The pattern as written for each key, to name both in a duplicate's message.
  std::unordered_map<std::string, std::string> written;
  for (const HostRoute& route : routes) {
    if (std::string problem = host_pattern_problem(route.pattern); !problem.empty()) {
      throw std::invalid_argument(problem);
    }
    std::string key = normalize_host(route.pattern, false);
    auto [earlier, first] = written.emplace(key, route.pattern);
    if (!first) {
      std::string message = "host " + quoted(route.pattern) + ": listed twice";
      if (earlier->second != route.pattern) message += " (the same host as " + quoted(earlier->second) + ")";
      throw std::invalid_argument(message);
    }
    const bool wildcard = key.compare(0, kWildcardPrefix.size(), kWildcardPrefix) == 0;
    if (wildcard) {
      wildcards_.emplace(key.substr(kWildcardPrefix.size()), route.project);
    } else {
      exact_.emplace(std::move(key), route.project);
    }
  }
}

std::optional<std::size_t> HostRouter::match_normalized(std::string_view host) const {
  if (host.empty()) return std::nullopt;
  if (!exact_.empty()) {
    if (const auto it = exact_.find(host); it != exact_.end()) return it->second;
  }
  if (wildcards_.empty()) return std::nullopt;
  // The suffix after each dot, longest first: the first one found is the
  // longest wildcard that matches.
  for (std::size_t dot = host.find('.'); dot != std::string_view::npos; dot = host.find('.', dot + 1)) {
    if (dot == 0 || host[dot - 1] == '.') return std::nullopt;  // an empty label
    if (const auto it = wildcards_.find(host.substr(dot + 1)); it != wildcards_.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<std::size_t> HostRouter::route(std::string_view host_header) const {
  // A lone project answers every host: nothing to look up.
  if (exact_.empty() && wildcards_.empty()) return default_project_;
  HostBuffer buffer;
  if (const auto project = match_normalized(normalize_host(host_header, true, buffer))) return project;
  return default_project_;
}

}  // namespace flecto
