#include "agent/config/listen_address.hpp"

#include <charconv>
#include <stdexcept>

namespace flecto {

namespace {

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw std::invalid_argument("invalid listen address \"" + std::string(text) +
                              "\": " + std::string(why) + " (expected host:port)");
}

}  // namespace

std::string ListenAddress::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) fail(text, "no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);

  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') fail(text, "unbalanced brackets");
    host = host.substr(1, host.size() - 2);
    if (host.empty()) fail(text, "empty IPv6 address");
  } else if (host.find_first_of("[]:") != std::string_view::npos) {
    // An IPv6 address must be bracketed, else its last group reads as the port.
    fail(text, "an IPv6 address must be written in brackets");
  }

  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc{} || ptr != end || port > 65535) {
    fail(text, "port is not a number from 0 to 65535");
  }

  ListenAddress address;
  address.host = host.empty() ? "0.0.0.0" : std::string(host);
  address.port = static_cast<std::uint16_t>(port);
  return address;
}

}  // namespace flecto
