#include "agent/config/proxy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace flecto {
namespace {

std::string lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char byte : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(byte)));
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// An IPv4 or IPv6 address, as bytes (4 or 16 of them).
struct IpAddress {
  std::array<unsigned char, 16> bytes{};
  std::size_t size = 0;
};

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (!text.empty() && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  const std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.size = 4;
  } else if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.size = 16;
    // ::ffff:a.b.c.d is the IPv4 address, as Go's net.IP compares them.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(kMapped), std::end(kMapped), ip.bytes.begin())) {
      std::copy(ip.bytes.begin() + 12, ip.bytes.end(), ip.bytes.begin());
      ip.size = 4;
    }
  } else {
    return std::nullopt;
  }
  return ip;
}

bool is_loopback(const IpAddress& ip) {
  if (ip.size == 4) return ip.bytes[0] == 127;
  for (std::size_t i = 0; i < 15; ++i) {
    if (ip.bytes[i] != 0) return false;
  }
  return ip.bytes[15] == 1;
}

bool same_prefix(const IpAddress& a, const IpAddress& b, int bits) {
  if (a.size != b.size) return false;
  std::size_t i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (a.bytes[i] != b.bytes[i]) return false;
  }
  if (bits == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
  return (a.bytes[i] & mask) == (b.bytes[i] & mask);
}

// A port as written: 1 to 65535, digits only.
std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = 0;
  for (const char byte : text) {
    if (byte < '0' || byte > '9') return std::nullopt;
    port = port * 10 + (byte - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

// "host:port", "[v6]:port", "host", "v6" -> host and port ("" when none).
// Mirrors net.SplitHostPort falling back to the whole entry.
void split_host_port(std::string_view entry, std::string_view& host, std::string_view& port) {
  host = entry;
  port = {};
  if (!entry.empty() && entry.front() == '[') {
    const std::size_t close = entry.find(']');
    if (close != std::string_view::npos && close + 1 < entry.size() && entry[close + 1] == ':') {
      host = entry.substr(1, close - 1);
      port = entry.substr(close + 2);
    } else if (close == entry.size() - 1) {
      host = entry.substr(1, close - 1);
    }
    return;
  }
  const std::size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    host = entry.substr(0, colon);
    port = entry.substr(colon + 1);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool valid_host_name(std::string_view host) {
  if (host.empty()) return false;
  for (const char byte : host) {
    const auto c = static_cast<unsigned char>(byte);
    if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

ProxySettings proxy_environment(const std::string& proxy_url,
                                const std::function<const char*(const char*)>& getenv) {
  ProxySettings settings;
  settings.proxy_url = proxy_url;
  // Go's getEnvAny: the first of the names that is set and not empty.
  const auto first_set = [&](const char* upper, const char* lower_name, std::string& value, std::string* name) {
    for (const char* candidate : {upper, lower_name}) {
      const char* v = getenv(candidate);
      if (v && *v) {
        value = v;
        if (name) *name = candidate;
        return;
      }
    }
  };
  first_set("HTTPS_PROXY", "https_proxy", settings.https_proxy, &settings.https_proxy_name);
  first_set("NO_PROXY", "no_proxy", settings.no_proxy, nullptr);
  // Under CGI, HTTP_PROXY may come from a client's "Proxy:" header.
  const char* cgi = getenv("REQUEST_METHOD");
  if (!(cgi && *cgi)) first_set("HTTP_PROXY", "http_proxy", settings.http_proxy, &settings.http_proxy_name);
  return settings;
}

ProxySettings proxy_environment(const std::string& proxy_url) {
  return proxy_environment(proxy_url, [](const char* name) -> const char* { return std::getenv(name); });
}

std::string Proxy::display() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Proxy parse_proxy_url(std::string_view value, const std::string& source) {
  const auto problem = [&source](const std::string& what) {
    return std::invalid_argument(source + ": " + what);
  };
  value = trimmed(value);
  if (value.empty()) throw problem("empty proxy URL");
  std::string_view rest = value;
  const std::size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string scheme = lower(rest.substr(0, scheme_end));
    if (scheme == "https") {
      throw problem("an https:// proxy (TLS to the proxy itself) is not supported; use http://host:port "
                    "(https managers still go through it with CONNECT, verified end to end)");
    }
    if (scheme != "http") throw problem("proxy scheme \"" + scheme + "\" is not supported; use http://host:port");
    rest.remove_prefix(scheme_end + 3);
  }
  // The authority ends at the path; a path, query or fragment is ignored, as Go does.
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);

  Proxy proxy;
  proxy.source = source;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view user_info = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const std::size_t colon = user_info.find(':');
    std::optional<std::string> user = percent_decode(user_info.substr(0, colon));
    std::optional<std::string> password =
        percent_decode(colon == std::string_view::npos ? std::string_view() : user_info.substr(colon + 1));
    if (!user || !password) throw problem("the proxy URL's user info has a malformed %-escape");
    proxy.username = std::move(*user);
    proxy.password = std::move(*password);
  }
  std::string_view host, port;
  split_host_port(authority, host, port);
  if (port.empty() && !authority.empty() && authority.back() == ':') {
    throw problem("the proxy URL has an empty port");
  }
  if (!port.empty()) {
    std::optional<int> number = parse_port(port);
    if (!number) throw problem("the proxy URL's port \"" + std::string(port) + "\" is not 1 to 65535");
    proxy.port = *number;
  }
  if (host.empty()) throw problem("the proxy URL has no host");
  if (parse_ip(host)) {
    proxy.host = lower(host);
  } else if (valid_host_name(host)) {
    proxy.host = lower(host);
  } else {
    throw problem("the proxy URL's host \"" + std::string(host) + "\" is not a host name or an IP address");
  }
  return proxy;
}

bool no_proxy_excludes(std::string_view no_proxy, std::string_view host_in, int port) {
  std::string host = lower(trimmed(host_in));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.pop_back();  // a fully qualified name
  const std::optional<IpAddress> ip = parse_ip(host);
  const std::string port_text = std::to_string(port);

  while (!no_proxy.empty()) {
    const std::size_t comma = no_proxy.find(',');
    const std::string entry = lower(trimmed(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;

    // A CIDR range: a.b.c.d/n or v6/n.
    if (const std::size_t slash = entry.find('/'); slash != std::string::npos) {
      const std::optional<IpAddress> net = parse_ip(std::string_view(entry).substr(0, slash));
      const std::string bits_text = entry.substr(slash + 1);
      if (!net || bits_text.empty() || bits_text.size() > 3 ||
          bits_text.find_first_not_of("0123456789") != std::string::npos) {
        continue;  // malformed: ignored, as Go does
      }
      const int bits = std::atoi(bits_text.c_str());
      const bool v4_entry = net->size == 4 && entry.find(':') == std::string::npos;
      if (bits > (v4_entry ? 32 : 128)) continue;
      const bool mapped = net->size == 4 && !v4_entry;  // ::ffff:a.b.c.d/n
      if (mapped && bits < 96) continue;
      if (ip && ip->size == net->size && same_prefix(*ip, *net, mapped ? bits - 96 : bits)) {
        return true;
      }
      continue;
    }

    std::string_view entry_host, entry_port;
    split_host_port(entry, entry_host, entry_port);
    if (entry_host.empty()) continue;
    const bool port_matches = entry_port.empty() || entry_port == port_text;

    if (const std::optional<IpAddress> entry_ip = parse_ip(entry_host)) {
      if (ip && ip->size == entry_ip->size && ip->bytes == entry_ip->bytes && port_matches) return true;
      continue;
    }
    // Domain names: "*.example.com" is ".example.com"; "example.com" matches
    // the host itself and its subdomains; ".example.com" its subdomains only.
    std::string domain(entry_host);
    if (domain.rfind("*.", 0) == 0) domain.erase(0, 1);
    bool match_host = false;
    if (domain.front() != '.') {
      match_host = true;
      domain.insert(0, ".");
    }
    while (domain.size() > 1 && domain.back() == '.') domain.pop_back();
    const bool suffix =
        host.size() >= domain.size() && host.compare(host.size() - domain.size(), domain.size(), domain) == 0;
    if ((suffix || (match_host && host == std::string_view(domain).substr(1))) && port_matches) return true;
  }
  return false;
}

std::optional<Proxy> choose_proxy(const ProxySettings& settings, std::string_view scheme, std::string_view host,
                                  int port) {
  const bool https = lower(scheme) == "https";
  std::string_view value;
  std::string source;
  bool from_setting = false;
  if (!settings.proxy_url.empty()) {
    value = settings.proxy_url;
    source = "proxy_url";
    from_setting = true;
  } else if (https) {
    value = settings.https_proxy;
    source = settings.https_proxy_name;
  } else {
    value = settings.http_proxy;
    source = settings.http_proxy_name;
  }
  if (trimmed(value).empty()) return std::nullopt;
  Proxy proxy = parse_proxy_url(value, source);  // a bad value is an error even for excluded hosts

  if (!from_setting) {
    std::string bare = lower(host);
    if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
    if (bare == "localhost") return std::nullopt;
    if (const std::optional<IpAddress> ip = parse_ip(bare); ip && is_loopback(*ip)) return std::nullopt;
  }
  if (no_proxy_excludes(settings.no_proxy, host, port)) return std::nullopt;
  return proxy;
}

}  // namespace flecto
