#include "agent/config/manager_url.hpp"

#include <charconv>
#include <stdexcept>
#include <string>
#include <utility>

namespace flecto {

std::string ManagerUrl::origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

std::string ManagerUrl::to_string() const { return origin() + base_path; }

namespace {

// An authority's host (brackets kept for IPv6) and port text ("" when none).
struct HostAndPort {
  std::string host;
  std::string_view port;
};

// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; `fail` makes the error.
template <typename Fail>
HostAndPort split_authority(std::string_view authority, Fail fail) {
  HostAndPort out;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) throw fail("unclosed '[' in the host");
    out.host = std::string(authority.substr(0, close + 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected text after the host");
      out.port = after.substr(1);
      if (out.port.empty()) throw fail("empty port");
    }
  } else {
    std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      out.port = authority.substr(colon + 1);
      if (out.port.empty()) throw fail("empty port");
    }
  }
  if (out.host.empty() || out.host == "[]") throw fail("no host");
  return out;
}

// `url` with any "user:password@" of its authority shown as "...@": a
// message must not repeat a credential.
std::string without_user_info(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  return std::string(url.substr(0, authority_start)) + "..." + std::string(url.substr(at));
}

}  // namespace

ManagerUrl parse_manager_url(std::string_view url) {
  auto fail = [&](const std::string& why) {
    return std::invalid_argument("manager URL \"" + without_user_info(url) + "\": " + why);
  };
  ManagerUrl out;
  std::string_view rest = url;
  if (rest.substr(0, 7) == "http://") {
    out.scheme = "http";
    out.port = 80;
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    out.scheme = "https";
    out.port = 443;
    rest.remove_prefix(8);
  } else {
    throw fail("expected http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) throw fail("a query or fragment is not allowed");
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    throw fail("user info is not allowed (the token travels in a header)");
  }
  HostAndPort host_and_port = split_authority(authority, fail);
  out.host = std::move(host_and_port.host);
  std::string_view port_text = host_and_port.port;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      throw fail("bad port \"" + std::string(port_text) + "\"");
    }
    out.port = port;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char byte : value) {
    const auto c = static_cast<unsigned char>(byte);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace flecto
