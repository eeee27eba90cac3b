#include "agent/edge/request.hpp"

#include <cctype>
#include <charconv>

#include "agent/text/ascii.hpp"

namespace flecto {

// Reg-name, IP literal and port characters. Anything else (white space,
// '/', '\\', '@', non-ASCII) is not a host, and RFC 9112 3.2 asks for 400.
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

namespace {

constexpr std::size_t npos = std::string_view::npos;

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
    if (comma == npos) break;
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

// Where the head's parts lie in the buffer, once it is all there.
struct HeadBounds {
  std::string_view request_line;
  std::size_t headers_start = 0;  // the first header line
  std::size_t head_end = 0;       // past the empty line's LF
};

// Finds the request line (past empty lines before it) and the empty line
// that ends the head, checking only the size limits on the way. kIncomplete
// while the head has not all arrived.
EdgeParse::State find_head(std::string_view buffer, const EdgeRequestLimits& limits,
                           HeadBounds& bounds, int& status) {
  const auto refuse = [&status](int code) {
    status = code;
    return EdgeParse::kError;
  };
  std::size_t start = 0;
  while (start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n')) {
    if (buffer[start] == '\r' && start + 1 < buffer.size() && buffer[start + 1] != '\n') {
      return refuse(400);
    }
    ++start;
  }
  // Empty lines count against the request line's bound: else a client could
  // send them forever, each kept while we wait for the request line.
  if (start > limits.max_request_line) return refuse(400);
  const std::size_t line_lf = buffer.find('\n', start);
  if (line_lf == npos) {
    return buffer.size() - start > limits.max_request_line + 1 ? refuse(414)
                                                               : EdgeParse::kIncomplete;
  }
  bounds.request_line = line_at(buffer, start, line_lf, bounds.headers_start);
  if (bounds.request_line.size() > limits.max_request_line) return refuse(414);

  // The head ends at the first empty line; until then only the limits count.
  std::size_t head_end = npos;
  for (std::size_t p = bounds.headers_start; p < buffer.size();) {
    const std::size_t lf = buffer.find('\n', p);
    if (lf == npos) break;
    if (lf == p || (lf == p + 1 && buffer[p] == '\r')) {
      head_end = lf + 1;
      break;
    }
    p = lf + 1;
  }
  const std::size_t header_bytes = (head_end == npos ? buffer.size() : head_end) - bounds.headers_start;
  if (header_bytes > limits.max_header_bytes + 2) return refuse(431);
  if (head_end == npos) return EdgeParse::kIncomplete;
  bounds.head_end = head_end;
  return EdgeParse::kComplete;
}

// "method SP target SP version", single spaces. 0, or the refusal's status.
int parse_request_line(std::string_view line, EdgeRequest& req) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == npos || line.find(' ', sp2 + 1) != npos) return 400;
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(req.method) || req.target.empty()) return 400;
  for (const char c : req.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return 400;
  }
  if (version == "HTTP/1.1") {
    req.http10 = false;
  } else if (version == "HTTP/1.0") {
    req.http10 = true;
  } else if (version.size() == 8 && version.starts_with("HTTP/") && version[6] == '.' &&
             std::isdigit(static_cast<unsigned char>(version[5])) &&
             std::isdigit(static_cast<unsigned char>(version[7]))) {
    return 505;
  } else {
    return 400;
  }
  return 0;
}

// One header line split into a token name and a value without the white
// space around it. False when it is not a valid header line.
bool split_header_line(std::string_view line, std::string_view& name, std::string_view& value) {
  if (line.front() == ' ' || line.front() == '\t') return false;  // obs-fold
  const auto colon = line.find(':');
  if (colon == npos) return false;
  name = line.substr(0, colon);
  if (!is_token(name)) return false;  // also white space before the colon
  value = trim(line.substr(colon + 1));
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

// What the header lines said that the framing decision needs.
struct FramingHeaders {
  int hosts = 0;
  bool has_length = false;
  bool has_encoding = false;
};

// Takes in what one header means (Host, Content-Length, Transfer-Encoding,
// If-None-Match, Accept-Encoding, Connection; others are ignored). 0, or the refusal's status.
int apply_header(std::string_view name, std::string_view value, EdgeRequest& req,
                 FramingHeaders& framing) {
  if (ascii_iequals(name, "host")) {
    if (++framing.hosts > 1 || !is_valid_host(value)) return 400;
    req.host = value;
  } else if (ascii_iequals(name, "content-length")) {
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (value.empty() || value.size() > 18 || ec != std::errc{} ||
        end != value.data() + value.size()) {
      return 400;
    }
    if (framing.has_length && length != req.content_length) return 400;
    framing.has_length = true;
    req.content_length = length;
  } else if (ascii_iequals(name, "transfer-encoding")) {
    std::string_view last;
    for_each_token(value, [&](std::string_view t) { last = t; });
    framing.has_encoding = true;
    if (!ascii_iequals(last, "chunked")) return 400;
  } else if (ascii_iequals(name, "if-none-match")) {
    if (req.if_none_match.empty()) req.if_none_match = value;
  } else if (ascii_iequals(name, "accept-encoding")) {
    if (req.accept_encoding.empty()) req.accept_encoding = value;
  } else if (ascii_iequals(name, "connection")) {
    for_each_token(value, [&](std::string_view t) {
      if (ascii_iequals(t, "close")) req.asks_close = true;
      if (ascii_iequals(t, "keep-alive")) req.asks_keep_alive = true;
    });
  }
  return 0;
}

// Every header line from `pos` up to the empty line. 0, or the refusal's status.
int parse_header_lines(std::string_view buffer, std::size_t pos, EdgeRequest& req,
                       FramingHeaders& framing) {
  for (;;) {
    std::size_t next;
    const std::string_view line = line_at(buffer, pos, buffer.find('\n', pos), next);
    pos = next;
    if (line.empty()) return 0;
    std::string_view name, value;
    if (!split_header_line(line, name, value)) return 400;
    if (const int status = apply_header(name, value, req, framing); status != 0) return status;
  }
}

// Whether a body follows and how its end is found (RFC 9112, 6.3). 0, or
// the refusal's status.
int decide_framing(const FramingHeaders& framing, EdgeRequest& req) {
  if (framing.hosts == 0 && !req.http10) return 400;
  if (framing.has_encoding && (framing.has_length || req.http10)) return 400;
  if (framing.has_encoding) {
    req.body = EdgeRequest::Body::kChunked;
  } else if (framing.has_length && req.content_length > 0) {
    req.body = EdgeRequest::Body::kLength;
  }
  return 0;
}

}  // namespace

EdgeParse parse_request_head(std::string_view buffer, const EdgeRequestLimits& limits) {
  HeadBounds bounds;
  int status = 0;
  const EdgeParse::State found = find_head(buffer, limits, bounds, status);
  if (found == EdgeParse::kError) return error(status);
  if (found == EdgeParse::kIncomplete) return EdgeParse{};

  EdgeParse parse;
  EdgeRequest& req = parse.request;
  req.head_size = bounds.head_end;
  FramingHeaders framing;
  if ((status = parse_request_line(bounds.request_line, req)) != 0 ||
      (status = parse_header_lines(buffer, bounds.headers_start, req, framing)) != 0 ||
      (status = decide_framing(framing, req)) != 0) {
    return error(status);
  }
  parse.state = EdgeParse::kComplete;
  return parse;
}

}  // namespace flecto
