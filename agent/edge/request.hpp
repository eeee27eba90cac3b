// Parsing the head of an HTTP/1.x request, as the edge listener receives it.
//
// The parser works on the bytes received so far and says whether a complete
// head is there, more bytes are needed, or the request must be refused with
// a status code. It keeps the method, the Host header and the request target
// exactly as received (no decoding, no case change), because matching is
// byte for byte (shared/matching.md).
//
//   EdgeParse p = parse_request_head(buffer, limits);
//   if (p.state == EdgeParse::kComplete) use(p.request), buffer.erase(0, p.request.head_size);
//   if (p.state == EdgeParse::kError) answer(p.error_status) and close;
//
// It reports what the head says and decides nothing else: whether the
// connection stays open afterwards is after_answer() (response.hpp).
//
// Refusals: 414 when the request line is longer than max_request_line, 431
// when the header lines together are longer than max_header_bytes, 505 for an
// HTTP version other than 1.0 and 1.1, 400 for anything malformed: a bad
// request line, a header without a colon, white space before the colon, a
// folded line, a control byte (NUL, bare CR...) in a value, no Host in
// HTTP/1.1, two Host headers, a Host with a byte Go's net/http refuses
// there (white space, '/', '\', '@', non-ASCII...), a bad or conflicting
// Content-Length, Transfer-Encoding together with Content-Length, in
// HTTP/1.0, or not ending in chunked. Repeated Content-Length lines with the
// same value are one length (RFC 9110, 8.6 allows it, and no byte of the
// stream can be read two ways); a list ("5, 5") is refused. Lines may end in
// CRLF or LF; empty lines before the request line are skipped (RFC 9112,
// 2.2), up to max_request_line bytes of them, beyond that 400.

#ifndef FLECTO_AGENT_EDGE_REQUEST_HPP_
#define FLECTO_AGENT_EDGE_REQUEST_HPP_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flecto {

struct EdgeRequestLimits {
  std::size_t max_request_line = 8192;   // bytes, line end excluded
  std::size_t max_header_bytes = 16384;  // all header lines, line ends included
};

struct EdgeRequest {
  // Views into the parsed buffer; valid while it is unchanged.
  std::string_view method;
  std::string_view target;
  std::string_view host;  // empty when an HTTP/1.0 request has none
  bool http10 = false;
  bool asks_close = false;       // a Connection token "close" (any case)
  bool asks_keep_alive = false;  // a Connection token "keep-alive" (any case)
  enum class Body : std::uint8_t { kNone, kLength, kChunked } body = Body::kNone;
  // For answers to caches and browsers (answer.hpp); empty when absent. Of
  // repeated lines the first counts: a later one can then only cost a 200
  // where a 304 was possible, or identity where gzip was.
  std::string_view if_none_match;
  std::string_view accept_encoding;
  std::uint64_t content_length = 0;  // when body == kLength
  std::size_t head_size = 0;         // bytes of the head, leading empty lines included

  bool is_head() const { return method == "HEAD"; }  // answered without a body
};

struct EdgeParse {
  enum State : std::uint8_t { kIncomplete, kComplete, kError } state = kIncomplete;
  int error_status = 0;  // 400, 414, 431 or 505 when state == kError
  EdgeRequest request;   // when state == kComplete
};

EdgeParse parse_request_head(std::string_view buffer, const EdgeRequestLimits& limits);

// Whether every byte of `host` is one Go's net/http accepts in a Host value
// (httpguts.ValidHostHeader): letters, digits and !$%&'()*+,-.:;=[]_~. The
// Host header is checked with it; so is the authority of an absolute-form
// target (request_target.hpp).
bool is_valid_host(std::string_view host);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_REQUEST_HPP_
