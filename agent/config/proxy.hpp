// Which HTTP proxy, if any, carries the requests to the manager: the
// proxy_url setting, else the environment as Go's net/http reads it
// (golang.org/x/net/http/httpproxy, FromEnvironment and ProxyFunc):
//
// - HTTPS_PROXY (else https_proxy) for an https manager, HTTP_PROXY (else
//   http_proxy) for an http one; the upper-case name wins when both are set,
//   as Go's getEnvAny does. HTTP_PROXY is ignored when REQUEST_METHOD is set
//   (a CGI environment, "httpoxy"), as Go does.
// - A manager on "localhost" or a loopback address never goes through a
//   proxy from the environment, as in Go.
// - NO_PROXY (else no_proxy): comma-separated entries, compared without
//   case: "*" (no proxy at all); an IP address ("10.0.0.1", "::1", with a
//   port: "10.0.0.1:8080", "[::1]:8080"); a CIDR range ("10.0.0.0/8");
//   a host name, which matches that host and its subdomains ("example.com"
//   matches example.com and a.example.com); a leading "." or "*." matches
//   the subdomains only (".example.com"); any entry may carry a port
//   ("example.com:8443"), compared with the manager's port (80 or 443 when
//   its URL has none).
// - The proxy_url setting wins over HTTPS_PROXY and HTTP_PROXY, for both
//   schemes and for loopback managers too (it was asked for explicitly);
//   NO_PROXY still excludes what it lists, as it would in a Go
//   httpproxy.Config holding that URL.
//
// A proxy URL is http://[user:password@]host[:port][/] (no scheme means
// http://, no port means 80, as in Go); user and password are
// percent-decoded and sent as Proxy-Authorization: Basic. An https:// proxy
// (TLS to the proxy itself) or a SOCKS proxy is refused, by name.
//
// Everything here is pure (no I/O but getenv in proxy_environment()) and
// thread-safe. Messages never hold a proxy's user info.

#ifndef FLECTO_AGENT_CONFIG_PROXY_HPP_
#define FLECTO_AGENT_CONFIG_PROXY_HPP_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace flecto {

// Where the proxy settings come from, each value with the name it came from
// (for messages).
struct ProxySettings {
  std::string proxy_url;  // the setting; empty: none
  std::string https_proxy, https_proxy_name = "HTTPS_PROXY";
  std::string http_proxy, http_proxy_name = "HTTP_PROXY";
  std::string no_proxy;
};

// The variables, read with `getenv` (tests pass their own), and the setting.
ProxySettings proxy_environment(const std::string& proxy_url,
                                const std::function<const char*(const char*)>& getenv);
ProxySettings proxy_environment(const std::string& proxy_url);  // the process's environment

struct Proxy {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  int port = 80;
  std::string username, password;  // empty: no Proxy-Authorization
  std::string source;              // "proxy_url", "HTTPS_PROXY", ...
  // http://host:port, never with the user info: for logs, messages, /status.
  std::string display() const;
};

// Parses a proxy URL. Throws std::invalid_argument naming `source` and what
// is wrong, never the user info.
Proxy parse_proxy_url(std::string_view value, const std::string& source);

// Whether NO_PROXY's `no_proxy` excludes the manager at `host` (as in its
// URL, an IPv6 address with or without brackets) and `port`.
bool no_proxy_excludes(std::string_view no_proxy, std::string_view host, int port);

// The proxy for a manager at scheme://host:port, or std::nullopt for a
// direct connection. Throws std::invalid_argument for a proxy value that
// cannot be used (see parse_proxy_url).
std::optional<Proxy> choose_proxy(const ProxySettings& settings, std::string_view scheme, std::string_view host,
                                  int port);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_PROXY_HPP_
