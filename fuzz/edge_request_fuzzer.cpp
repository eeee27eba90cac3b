// The edge listener's request-head parser (agent/edge/request.hpp), fed with
// arbitrary bytes. The first byte picks the limits (the defaults, or small
// ones so that 414 and 431 are reachable); the rest is the receive buffer.
// Checks what the server relies on: a refusal has one of the documented
// codes; a complete head lies inside the buffer, its views point into it and
// carry no byte that could split a response (CR, LF, NUL...); the same head
// is found from its own bytes alone, and not one byte earlier.
//
// Then the normalization of the target (agent/edge/request_target.hpp), on
// the parsed target and on the whole input taken as a target: 0 or 400; a
// path that is validly encoded ASCII and a query without control bytes or
// bad escapes; a host that is the Host given or a valid authority; reading
// the result again changes nothing; and the Location made from it carries
// only printable ASCII.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/edge/redirect_location.hpp"
#include "agent/edge/request.hpp"
#include "agent/edge/request_target.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool same(const flecto::EdgeRequest& a, const flecto::EdgeRequest& b) {
  return a.method == b.method && a.target == b.target && a.host == b.host && a.http10 == b.http10 &&
         a.asks_close == b.asks_close && a.asks_keep_alive == b.asks_keep_alive &&
         a.body == b.body && a.content_length == b.content_length && a.head_size == b.head_size;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Every '%' starts a %XX escape, and no byte is a control byte.
bool escapes_and_no_controls(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    }
  }
  return true;
}

bool validly_encoded_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum && std::string_view("-._~!$&'()*+,;=:@[]/%").find(ch) == std::string_view::npos) {
      return false;
    }
  }
  return escapes_and_no_controls(path);
}

// The normalization's contract for one target and Host.
void check_match_input(std::string_view target, std::string_view host) {
  std::string buffer;
  const flecto::MatchInput in = flecto::read_match_input(target, host, buffer);
  require(in.status == 0 || in.status == 400);
  if (in.status != 0) return;
  require(!in.uri.empty());
  if (in.uri != "*") {
    const auto q = in.uri.find('?');
    require(validly_encoded_path(in.uri.substr(0, q)));
    if (q != std::string_view::npos) require(escapes_and_no_controls(in.uri.substr(q + 1)));
  }
  if (target.starts_with('/') || target == "*") {
    require(in.host == host);
  } else {
    require(!in.host.empty() && flecto::is_valid_host(in.host) &&
            in.host.find('%') == std::string_view::npos);
  }
  const std::string uri(in.uri);
  const std::string effective_host(in.host);
  std::string again_buffer;
  const flecto::MatchInput again = flecto::read_match_input(uri, effective_host, again_buffer);
  require(again.status == 0 && again.uri == uri && again.host == effective_host);
  // A rule whose target is the whole uri (a capture of it), relative or not.
  for (const std::string& rule_target : {uri, uri.substr(1), "/x/" + uri}) {
    for (const char c : flecto::redirect_location(rule_target, uri)) {
      const auto u = static_cast<unsigned char>(c);
      require(u >= 0x20 && u < 0x7f);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  flecto::EdgeRequestLimits limits;
  if ((data[0] & 1) == 0) {
    limits.max_request_line = std::size_t{data[0]} * 2;
    limits.max_header_bytes = std::size_t{data[0]} * 8;
  }
  const std::string_view buffer(reinterpret_cast<const char*>(data) + 1, size - 1);

  check_match_input(buffer, "example.com");

  const flecto::EdgeParse parse = flecto::parse_request_head(buffer, limits);
  if (parse.state == flecto::EdgeParse::kError) {
    const int s = parse.error_status;
    require(s == 400 || s == 414 || s == 431 || s == 505);
    return 0;
  }
  if (parse.state != flecto::EdgeParse::kComplete) return 0;

  const flecto::EdgeRequest& req = parse.request;
  require(req.head_size > 0 && req.head_size <= buffer.size());
  const std::string_view head = buffer.substr(0, req.head_size);
  require(inside(req.method, head) && inside(req.target, head) && inside(req.host, head));
  require(!req.method.empty() && !req.target.empty());
  require(req.http10 || !req.host.empty() || req.host.data() != nullptr);
  for (const char c : req.target) {
    const auto u = static_cast<unsigned char>(c);
    require(u > 0x20 && u != 0x7f);
  }
  for (const char c : req.host) {
    const auto u = static_cast<unsigned char>(c);
    require((u >= 0x20 || u == '\t') && u != 0x7f);
  }

  const flecto::EdgeParse alone = flecto::parse_request_head(head, limits);
  require(alone.state == flecto::EdgeParse::kComplete && same(alone.request, req));
  const flecto::EdgeParse short_one = flecto::parse_request_head(head.substr(0, head.size() - 1), limits);
  require(short_one.state != flecto::EdgeParse::kComplete);

  check_match_input(req.target, req.host);
  return 0;
}
