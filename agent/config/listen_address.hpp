// A listen address from the configuration: "host:port".
//
//   "0.0.0.0:8080", "127.0.0.1:9090", "[::1]:8080", "localhost:80", ":8080"
//
// The host is a numeric IPv4 or IPv6 address or a name the resolver knows; an
// empty host (":8080") means every IPv4 interface, "0.0.0.0". IPv6 addresses
// are written in brackets and stored without them. The port is 0..65535;
// 0 asks the kernel for a free port (tests use it).

#ifndef FLECTO_AGENT_CONFIG_LISTEN_ADDRESS_HPP_
#define FLECTO_AGENT_CONFIG_LISTEN_ADDRESS_HPP_

#include <cstdint>
#include <string>
#include <string_view>

namespace flecto {

struct ListenAddress {
  std::string host;  // without brackets: "0.0.0.0", "::1", "localhost"
  std::uint16_t port = 0;

  // "host:port" again, with brackets around an IPv6 host.
  std::string to_string() const;
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Parses "host:port". Throws std::invalid_argument with a message naming the
// text when it is not of that form (no port, port not a number or above
// 65535, unbalanced brackets).
ListenAddress parse_listen_address(std::string_view text);

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_LISTEN_ADDRESS_HPP_
