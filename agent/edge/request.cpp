#include "agent/edge/request.hpp"

#include <cctype>
#include <charconv>

#include "agent/text/ascii.hpp"

namespace flecto {

namespace {

bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Go's net/http accepts these bytes in a Host value (httpguts.ValidHostHeader):
// reg-name, IP literal and port characters. Anything else (white space, '/',
// '\\', '@', non-ASCII) is not a host, and RFC 9112 3.2 asks for 400.
bool is_valid_host(std::string_view host) {
  for (const char ch : host) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    switch (c) {
      case '!': case '$': case '%': case '&': case '\'': case '(': case ')': case '*':
      case '+': case ',': case '-': case '.': case ':': case ';': case '=': case '[':
      case ']': case '_': case '~':
        continue;
      default:
        return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each comma-separated token of a header value.
template <class F>
void for_each_token(std::string_view value, F f) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    f(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// The line at `pos` without its CRLF or LF; `next` is set past the LF.
std::string_view line_at(std::string_view buffer, std::size_t pos, std::size_t lf,
                         std::size_t& next) {
  next = lf + 1;
  std::size_t end = lf;
  if (end > pos && buffer[end - 1] == '\r') --end;
  return buffer.substr(pos, end - pos);
}

EdgeParse error(int status) {
  EdgeParse p;
  p.state = EdgeParse::kError;
  p.error_status = status;
  return p;
}

}  // namespace

EdgeParse parse_request_head(std::string_view buffer, const EdgeRequestLimits& limits) {
  std::size_t start = 0;
  while (start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n')) {
    if (buffer[start] == '\r' && start + 1 < buffer.size() && buffer[start + 1] != '\n') {
      return error(400);
    }
    ++start;
  }
  // Empty lines count against the request line's bound: else a client could
  // send them forever, each kept while we wait for the request line.
  if (start > limits.max_request_line) return error(400);
  const std::size_t line_lf = buffer.find('\n', start);
  if (line_lf == std::string_view::npos) {
    return buffer.size() - start > limits.max_request_line + 1 ? error(414) : EdgeParse{};
  }
  std::size_t pos;
  const std::string_view line = line_at(buffer, start, line_lf, pos);
  if (line.size() > limits.max_request_line) return error(414);

  // The head ends at the first empty line; until then only the limits count.
  std::size_t head_end = std::string_view::npos;  // index after the empty line's LF
  for (std::size_t p = pos; p < buffer.size();) {
    const std::size_t lf = buffer.find('\n', p);
    if (lf == std::string_view::npos) break;
    if (lf == p || (lf == p + 1 && buffer[p] == '\r')) {
      head_end = lf + 1;
      break;
    }
    p = lf + 1;
  }
  const std::size_t header_bytes = (head_end == std::string_view::npos ? buffer.size() : head_end) - pos;
  if (header_bytes > limits.max_header_bytes + 2) return error(431);
  if (head_end == std::string_view::npos) return EdgeParse{};

  EdgeParse parse;
  EdgeRequest& req = parse.request;
  req.head_size = head_end;

  // Request line: method SP target SP version, single spaces.
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return error(400);
  }
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(req.method) || req.target.empty()) return error(400);
  for (const char c : req.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return error(400);
  }
  if (version == "HTTP/1.1") {
    req.http10 = false;
  } else if (version == "HTTP/1.0") {
    req.http10 = true;
  } else if (version.size() == 8 && version.starts_with("HTTP/") && version[6] == '.' &&
             std::isdigit(static_cast<unsigned char>(version[5])) &&
             std::isdigit(static_cast<unsigned char>(version[7]))) {
    return error(505);
  } else {
    return error(400);
  }

  int hosts = 0;
  bool has_length = false, has_encoding = false;
  while (pos < head_end) {
    const std::size_t lf = buffer.find('\n', pos);
    std::size_t next;
    const std::string_view header = line_at(buffer, pos, lf, next);
    pos = next;
    if (header.empty()) break;
    if (header.front() == ' ' || header.front() == '\t') return error(400);  // obs-fold
    const auto colon = header.find(':');
    if (colon == std::string_view::npos) return error(400);
    const std::string_view name = header.substr(0, colon);
    if (!is_token(name)) return error(400);
    const std::string_view value = trim(header.substr(colon + 1));
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) return error(400);
    }
    if (ascii_iequals(name, "host")) {
      if (++hosts > 1 || !is_valid_host(value)) return error(400);
      req.host = value;
    } else if (ascii_iequals(name, "content-length")) {
      std::uint64_t length = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (value.empty() || value.size() > 18 || ec != std::errc{} ||
          end != value.data() + value.size()) {
        return error(400);
      }
      if (has_length && length != req.content_length) return error(400);
      has_length = true;
      req.content_length = length;
    } else if (ascii_iequals(name, "transfer-encoding")) {
      std::string_view last;
      for_each_token(value, [&](std::string_view t) { last = t; });
      has_encoding = true;
      if (!ascii_iequals(last, "chunked")) return error(400);
    } else if (ascii_iequals(name, "connection")) {
      for_each_token(value, [&](std::string_view t) {
        if (ascii_iequals(t, "close")) req.asks_close = true;
        if (ascii_iequals(t, "keep-alive")) req.asks_keep_alive = true;
      });
    }
  }
  if (hosts == 0 && !req.http10) return error(400);
  if (has_encoding && (has_length || req.http10)) return error(400);
  if (has_encoding) {
    req.body = EdgeRequest::Body::kChunked;
  } else if (has_length && req.content_length > 0) {
    req.body = EdgeRequest::Body::kLength;
  }
  parse.state = EdgeParse::kComplete;
  return parse;
}

}  // namespace flecto
