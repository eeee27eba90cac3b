// The edge listener's answers, written as HTTP/1.1 response bytes.
//
// append_answer() decides what a parsed request gets from a table, exactly as
// issue 4 ("Edge listener") and shared/matching.md say:
// - a redirect (it wins over a page): the rule's code and a Location made by
//   redirect_location(); GET and HEAD get Content-Type text/html; charset=utf-8
//   and GET the short HTML body Go's http.Redirect writes; other methods get
//   an empty body;
// - a page: GET and HEAD get 200, the page's Content-Type and its exact bytes
//   (HEAD: the length only); other methods get 405 with Allow: GET, HEAD;
// - nothing: 404 "404 page not found";
// - no table yet: 503 with Retry-After.
// Every answer carries Date, Content-Length (HEAD: the length GET would get) and
// "Connection: close" when the connection will be closed after it, or
// "Connection: keep-alive" when an HTTP/1.0 client asked to keep it.
// With debug_headers, X-Flecto-Version (served version) and, on a match,
// X-Flecto-Rule: "redirect <TYPE> <source>" or "page <TYPE> <path>", with
// bytes outside printable ASCII percent-encoded.

#ifndef FLECTO_AGENT_EDGE_ANSWER_HPP_
#define FLECTO_AGENT_EDGE_ANSWER_HPP_

#include <string>
#include <string_view>

#include "agent/edge/request_counters.hpp"
#include "matcher/table.hpp"

namespace flecto {

struct EdgeAnswer {
  int status;
  RequestOutcome outcome;
};

struct EdgeAnswerRequest {
  std::string_view method;
  std::string_view host;    // Host header as received
  std::string_view target;  // request target as received
  bool keep_alive = true;   // the connection stays open after this answer
  bool http10 = false;
};

// Appends the answer to `request` from `table` (null: none served yet).
EdgeAnswer append_answer(std::string& out, const Table* table, const EdgeAnswerRequest& request,
                         bool debug_headers);

// Appends a refusal by the listener itself (400, 408, 413, 414, 431, 505...):
// a short text body "<code> <reason>\n" and Connection: close.
void append_refusal(std::string& out, int status, bool head_request);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_ANSWER_HPP_
