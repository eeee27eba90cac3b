#include "agent/edge/request_target.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "agent/edge/request.hpp"
#include "agent/text/ascii.hpp"

namespace flecto {

namespace {

constexpr std::size_t npos = std::string_view::npos;

using ByteSet = std::array<bool, 256>;

constexpr ByteSet alnum_and(std::string_view others) {
  ByteSet set{};
  for (int c = '0'; c <= '9'; ++c) set[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) set[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) set[static_cast<std::size_t>(c)] = true;
  for (const char c : others) set[static_cast<unsigned char>(c)] = true;
  return set;
}

// What a validly encoded path holds besides %XX (Go's validEncoded, path mode).
constexpr ByteSet kValidInPath = alnum_and("-._~!$&'()*+,;=:@[]/");
// What Go's escape(path, encodePath) writes as it is.
constexpr ByteSet kKeptByEscape = alnum_and("-._~$&+,/:;=@");

constexpr bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// One lookup per byte on the common path: what a byte asks of the scan.
enum ByteClass : std::uint8_t { kPlain, kPercent, kControl, kOther };
constexpr std::array<std::uint8_t, 256> kPathClass = [] {
  std::array<std::uint8_t, 256> classes{};
  for (std::size_t c = 0; c < 256; ++c) {
    classes[c] = kValidInPath[c] ? kPlain : kOther;
    if (is_control(static_cast<unsigned char>(c))) classes[c] = kControl;
  }
  classes['%'] = kPercent;
  return classes;
}();

int hex_value(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool escape_at(std::string_view s, std::size_t i) {
  return i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0;
}

enum class PathReading { kAsReceived, kReencode, kRefused };

// How the path is read: kept, re-encoded, or refused (a control byte or a
// bad escape, wherever it is).
PathReading classify_path(std::string_view path) {
  bool reencode = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    switch (kPathClass[static_cast<unsigned char>(path[i])]) {
      case kPlain:
        break;
      case kPercent:
        if (!escape_at(path, i)) return PathReading::kRefused;
        i += 2;
        break;
      case kControl:
        return PathReading::kRefused;
      default:
        reencode = true;
    }
  }
  return reencode ? PathReading::kReencode : PathReading::kAsReceived;
}

// The query (after the '?') is kept, unless it holds a control byte or a
// bad escape.
bool acceptable_query(std::string_view query) {
  for (std::size_t i = 0; i < query.size(); ++i) {
    const std::uint8_t k = kPathClass[static_cast<unsigned char>(query[i])];
    if (k == kControl) return false;
    if (k == kPercent) {
      if (!escape_at(query, i)) return false;
      i += 2;
    }
  }
  return true;
}

// Appends `path` decoded, then escaped as Go's URL.EscapedPath() does.
// `path` holds only valid escapes.
void append_reencoded(std::string& out, std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      c = static_cast<unsigned char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      i += 2;
    }
    if (kKeptByEscape[c]) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

// Go's validOptionalPort: "" or ':' followed by digits only.
bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port.front() != ':') return false;
  for (const char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The authority of an absolute-form target, as a host to route and match on.
bool acceptable_authority(std::string_view authority) {
  if (authority.empty() || !is_valid_host(authority)) return false;  // '@' (user info) is not valid
  if (authority.find('%') != npos) return false;  // Go would decode it: no host holds one
  if (authority.front() == '[') {
    const auto close = authority.rfind(']');
    return close != npos && valid_optional_port(authority.substr(close + 1));
  }
  const auto colon = authority.rfind(':');
  return colon == npos || valid_optional_port(authority.substr(colon));
}

// The scheme of `target` when it starts with one (Go's getScheme: a
// letter, then letters, digits, '+', '-' or '.', up to a ':'), else "".
std::string_view scheme_of(std::string_view target) {
  for (std::size_t i = 0; i < target.size(); ++i) {
    const char c = target[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) continue;
    if (i > 0 && c == ':') return target.substr(0, i);
    break;
  }
  return {};
}

MatchInput refused() { return MatchInput{400, {}, {}}; }

}  // namespace

MatchInput read_match_input(std::string_view target, std::string_view host_header,
                            std::string& buffer) {
  MatchInput in;
  in.host = host_header;
  if (target == "*") {  // OPTIONS *: matched as it is, as today and as Go reads it
    in.uri = target;
    return in;
  }
  std::string_view path_and_query = target;
  if (!target.starts_with('/')) {
    const std::string_view scheme = scheme_of(target);
    if (!ascii_iequals(scheme, "http") && !ascii_iequals(scheme, "https")) return refused();
    std::string_view rest = target.substr(scheme.size() + 1);
    if (!rest.starts_with("//")) return refused();  // "http:/x": no authority
    rest.remove_prefix(2);
    const std::size_t authority_end = std::min(rest.find('/'), rest.find('?'));
    const std::string_view authority = rest.substr(0, authority_end);
    if (!acceptable_authority(authority)) return refused();
    in.host = authority;
    path_and_query = rest.substr(authority.size());
  }

  const std::size_t q = path_and_query.find('?');
  const std::string_view path = path_and_query.substr(0, q);
  const std::string_view query = q == npos ? std::string_view() : path_and_query.substr(q);  // with its '?'
  if (!acceptable_query(query)) return refused();
  const PathReading reading = classify_path(path);
  if (reading == PathReading::kRefused) return refused();

  if (reading == PathReading::kAsReceived && !path.empty()) {
    in.uri = path_and_query;  // the common case: no copy
    return in;
  }
  if (path.empty() && query.empty()) {
    in.uri = "/";
    return in;
  }
  buffer.clear();
  if (path.empty()) {
    buffer += '/';
  } else {
    append_reencoded(buffer, path);
  }
  buffer += query;
  in.uri = buffer;
  return in;
}

}  // namespace flecto
