// The manager's URL, as configured (manager_url), and URL encoding for the
// parts of requests that carry user data (codes, names, cursors).

#ifndef FLECTO_AGENT_CONFIG_MANAGER_URL_HPP_
#define FLECTO_AGENT_CONFIG_MANAGER_URL_HPP_

#include <string>
#include <string_view>

namespace flecto {

struct ManagerUrl {
  std::string scheme;     // "http" or "https"
  std::string host;       // a name, an IPv4 address, or an IPv6 address in brackets
  int port = 0;           // as written, else 80 / 443
  std::string base_path;  // "" or "/a/b": no trailing slash
  // "scheme://host:port", what httplib::Client takes.
  std::string origin() const;
  // origin() plus base_path: for logs and messages.
  std::string to_string() const;
};

// Parses scheme://host[:port][/base/path][/]. Throws std::invalid_argument
// (with a message naming what is wrong) for another scheme, a missing host,
// a bad port, user info ("user:pass@"), a query or a fragment.
ManagerUrl parse_manager_url(std::string_view url);

// Percent-encodes every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~),
// so that the result is safe as a query value or a path segment.
std::string url_encode(std::string_view value);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_MANAGER_URL_HPP_
