#include "agent/edge/redirect_location.hpp"

#include <cctype>

#include "agent/edge/response.hpp"

namespace flecto {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// True when every '%' in `s` starts a two-hex-digit escape (Go's unescape).
bool valid_escapes(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// What url.Parse makes of a target, reduced to what http.Redirect needs:
// whether the target is cleaned as a path (no scheme, no host, parsed).
bool is_cleanable_path(std::string_view url) {
  for (const char c : url) {
    if (is_control(static_cast<unsigned char>(c))) return false;  // Parse fails
  }
  std::string_view rest = url;
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    if (!valid_escapes(rest.substr(hash + 1))) return false;
    rest = rest.substr(0, hash);
  }
  // Scheme: a letter, then letters, digits, '+', '-', '.', up to ':'.
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const auto c = static_cast<unsigned char>(rest[i]);
    if (std::isalpha(c)) continue;
    if (std::isdigit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') return false;  // a scheme (i > 0) or "missing protocol scheme"
    break;
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  if (rest.starts_with("//") && !rest.starts_with("///")) {
    // An authority; with a host the target goes out as it is.
    const auto authority = rest.substr(2, rest.find('/', 2) - 2);
    if (!authority.empty()) return false;
  }
  if (!rest.starts_with('/')) {
    const auto segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string_view::npos) return false;
  }
  return valid_escapes(rest);
}

// The path of a request target: "/a/b?x" -> "/a/b"; "http://h/a?x" -> "/a".
std::string_view request_path(std::string_view target) {
  if (!target.starts_with('/')) {
    const auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return "/";
    const auto slash = target.find('/', scheme_end + 3);
    if (slash == std::string_view::npos) return "/";
    target = target.substr(slash);
  }
  return target.substr(0, target.find('?'));
}

}  // namespace

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  const std::size_t n = path.size();
  std::string out;
  out.reserve(n + 1);
  std::size_t r = 0, dotdot = 0;
  if (rooted) {
    out += '/';
    r = dotdot = 1;
  }
  while (r < n) {
    if (path[r] == '/') {
      ++r;
    } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
      ++r;
    } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        // Back to the slash before the last element, which goes too.
        std::size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out += '/';
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out += '/';
      for (; r < n && path[r] != '/'; ++r) out += path[r];
    }
  }
  if (out.empty()) return ".";
  return out;
}

std::string redirect_location(std::string_view target, std::string_view request_target) {
  std::string out;
  if (!is_cleanable_path(target)) {
    append_percent_escaped(out, target);
    return out;
  }
  std::string url;
  if (!target.starts_with('/')) {
    const std::string_view path = request_path(request_target);
    url = path.substr(0, path.rfind('/') + 1);  // path.Split's directory
  }
  url += target;
  std::string query;
  if (const auto q = url.find('?'); q != std::string::npos) {
    query = url.substr(q);
    url.resize(q);
  }
  const bool trailing = url.ends_with('/');
  std::string cleaned = clean_path(url);
  if (trailing && !cleaned.ends_with('/')) cleaned += '/';
  append_percent_escaped(out, cleaned);
  append_percent_escaped(out, query);
  return out;
}

std::string with_query(std::string location, std::string_view query) {
  const auto hash = location.find('#');
  const std::string fragment = hash == std::string::npos ? std::string() : location.substr(hash);
  if (hash != std::string::npos) location.resize(hash);
  if (location.find('?') == std::string::npos) {
    location += '?';
  } else if (!location.ends_with('?') && !location.ends_with('&')) {
    location += '&';
  }
  append_percent_escaped(location, query);
  location += fragment;
  return location;
}

std::string redirect_html_body(std::string_view location, int code) {
  std::string body = "<a href=\"";
  for (const char c : location) {
    switch (c) {
      case '&': body += "&amp;"; break;
      case '<': body += "&lt;"; break;
      case '>': body += "&gt;"; break;
      case '"': body += "&#34;"; break;
      case '\'': body += "&#39;"; break;
      default: body += c;
    }
  }
  body += "\">";
  body += status_text(code);
  body += "</a>.\n\n";
  return body;
}

void append_percent_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

}  // namespace flecto
