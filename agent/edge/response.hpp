// What an answer of the edge listener looks like on the wire. Every path
// that answers writes through here: the answers from the table
// (answer.hpp), the listener's refusals and its 408 for a head or body that
// did not arrive in time.
//
//   HTTP/1.1 <code> <reason>\r\n
//   Date: <IMF-fixdate (RFC 9110, 5.6.7)>\r\n
//   <the answer's own fields, in the order given>\r\n
//   Content-Length: <the body's size, also for HEAD>\r\n
//   Connection: close\r\n          when the connection closes after it
//   Connection: keep-alive\r\n     when it stays open for an HTTP/1.0 client
//   \r\n
//   <the body, unless the request was HEAD>
//
//   flecto::ResponseWriter response(out, 404);
//   response.field("Content-Type", "text/plain; charset=utf-8");
//   response.finish("404 page not found\n", request.is_head(), after_answer(request));

#ifndef FLECTO_AGENT_EDGE_RESPONSE_HPP_
#define FLECTO_AGENT_EDGE_RESPONSE_HPP_

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/edge/request.hpp"

namespace flecto {

// What becomes of the connection once an answer is sent, which the answer
// announces in its Connection header.
enum class AfterAnswer : std::uint8_t {
  kKeepOpen,           // HTTP/1.1's default: no Connection header
  kKeepOpenAnnounced,  // "Connection: keep-alive": an HTTP/1.0 client asked for it
  kClose,              // "Connection: close", then the connection is closed
};

// The one decision for a request that was read whole: the connection closes
// when the client asks (Connection: close, or HTTP/1.0 without keep-alive),
// or when it sent a chunked body, which is never read (so where the next
// request would start is unknown). The listener's refusals always close:
// what follows a refused head cannot be trusted to start a request.
AfterAnswer after_answer(const EdgeRequest& request);

// Writes one answer into `out`: the constructor the status line and Date,
// field() the answer's own header lines, finish() the rest. A field's name
// and value must not hold CR or LF (callers percent-encode what they copy).
class ResponseWriter {
 public:
  ResponseWriter(std::string& out, int status);

  ResponseWriter& field(std::string_view name, std::string_view value);

  // Content-Length for `body`, the Connection header `after` calls for, the
  // empty line, then `body` unless `head_request`.
  void finish(std::string_view body, bool head_request, AfterAnswer after);

 private:
  std::string& out_;
};

// Appends a refusal by the listener itself (400, 408, 413, 414, 431, 505...):
// a text body "<code> <reason>\n" (not sent to HEAD) and Connection: close.
void append_refusal(std::string& out, int status, bool head_request);

// The reason phrase of an HTTP status code ("Moved Permanently"), or
// "Unknown" for a code it does not know.
std::string_view status_text(int code);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_RESPONSE_HPP_
