// The edge listener's answers from the table being served, written as
// HTTP/1.1 response bytes (response.hpp says how every answer is framed).
//
// append_answer() decides what a parsed request gets, as shared/matching.md
// says:
// - a redirect (it wins over a page): the rule's code and a Location made by
//   redirect_location(); GET and HEAD get Content-Type text/html; charset=utf-8
//   and GET the short HTML body Go's http.Redirect writes; other methods get
//   an empty body;
//   with Cache-Control when AnswerOptions sets one for the code's kind;
// - a page: GET and HEAD get 200, the page's Content-Type, its ETag and its
//   exact bytes (HEAD: the length only), or its gzip form with
//   Content-Encoding: gzip when it has one and Accept-Encoding takes gzip
//   (negotiation.hpp); 304 with the ETag and no body when If-None-Match
//   names the form's ETag (or is "*"); Vary: Accept-Encoding on both when
//   the page has a gzip form; page_cache_control on both; other methods get
//   405 with Allow: GET, HEAD;
// - nothing: 404 "404 page not found", also when no project answers the
//   request's Host (the origin behind nginx answers it then);
// - the project serves no table yet: 503 with Retry-After.
// With debug_headers, X-Flecto-Project (the project's label, "none" when no
// project answers the Host), X-Flecto-Version (served version) and, on a
// match, X-Flecto-Rule: "redirect <TYPE> <source>" or "page <TYPE> <path>",
// with bytes outside printable ASCII percent-encoded, and
// X-Flecto-Query-Fallback: 1 when the query fallback answered
// (request_match.hpp).
//
//   const EdgeAnswer answer = append_answer(out, {true, "prod/site", table.get()}, request, false);
//   counters.record(answer.outcome, answer.status, elapsed);
//   if (answer.after == AfterAnswer::kClose) ... close once `out` is sent

#ifndef FLECTO_AGENT_EDGE_ANSWER_HPP_
#define FLECTO_AGENT_EDGE_ANSWER_HPP_

#include <string>

#include <string_view>

#include "agent/edge/request.hpp"
#include "agent/edge/request_match.hpp"
#include "agent/edge/response.hpp"
#include "agent/projects/request_counters.hpp"
#include "matcher/table.hpp"

namespace flecto {

struct EdgeAnswer {
  int status;
  RequestOutcome outcome;
  AfterAnswer after;  // as announced in the answer: after_answer(request)
};

// Who answers a request: the project its Host selects, and its table.
struct EdgeRoute {
  bool routed = false;           // false: no project answers the Host (404)
  std::string_view project;      // the project's label (X-Flecto-Project)
  const Table* table = nullptr;  // the table it serves; null: none yet (503)
};

// What answers carry beyond the rules: the settings of the same names,
// each empty or off by default. Cache-Control values are sent as they are
// (the configuration checked them: printable ASCII).
struct AnswerOptions {
  std::string permanent_redirect_cache_control;  // 301, 308
  std::string temporary_redirect_cache_control;  // 302, 307
  std::string page_cache_control;                // a page's 200 and 304
  QueryOptions query = {};                       // query_fallback, query_preserve
};

// Appends the answer to `request` from `route`.
EdgeAnswer append_answer(std::string& out, const EdgeRoute& route, const EdgeRequest& request,
                         bool debug_headers, const AnswerOptions& options = {});

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_ANSWER_HPP_
