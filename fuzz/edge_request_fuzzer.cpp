// The edge listener's request-head parser (agent/edge/request.hpp), fed with
// arbitrary bytes. The first byte picks the limits (the defaults, or small
// ones so that 414 and 431 are reachable); the rest is the receive buffer.
// Checks what the server relies on: a refusal has one of the documented
// codes; a complete head lies inside the buffer, its views point into it and
// carry no byte that could split a response (CR, LF, NUL...); the same head
// is found from its own bytes alone, and not one byte earlier.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/edge/request.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  flecto::EdgeRequestLimits limits;
  if ((data[0] & 1) == 0) {
    limits.max_request_line = std::size_t{data[0]} * 2;
    limits.max_header_bytes = std::size_t{data[0]} * 8;
  }
  const std::string_view buffer(reinterpret_cast<const char*>(data) + 1, size - 1);

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
  return 0;
}
