// The answer of the matcher for one request, as one line of JSON.
//
// This is the output of `flecto-agent match` and of the admin server's
// /match endpoint, and it mirrors one `expect` entry of the conformance
// vectors (tests/data/conformance, README.md there):
//
//   {"redirect":{"type":"REGEX","source":"^/a/(.*)$","target":"b/$1","status":"FOUND"},
//    "target":"b/x","location":"/a/b/x","code":302,"page":null}
//
// (one line, no trailing newline). `redirect` is the winning rule as listed
// or null; `target` the rule's target with its groups substituted, what the
// manager's Redirect Tester shows ("" when no redirect matched); `location`
// the Location header the edge would send for it (relative targets resolved
// against the request path, dot segments cleaned, bytes escaped: see
// agent/edge/redirect_location.hpp; "" when no redirect matched); `code`
// 301/302/307/308 or null; `page` {"type","path","contentType",
// "content"} or null. The conformance vectors carry no `location`. Redirect and page are looked up independently: a
// request may get both here, although serving gives the redirect precedence.
// Strings are escaped with append_json_string (agent/rules/rules_json.hpp), so the
// line holds no raw control characters and parses back byte for byte.

#ifndef FLECTO_AGENT_ADMIN_MATCH_JSON_HPP_
#define FLECTO_AGENT_ADMIN_MATCH_JSON_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "agent/edge/request_match.hpp"
#include "matcher/table.hpp"

namespace flecto {

// Looks up `host` + `uri` in `table` (match_redirect and match_page) and
// returns the answer line. Thread-safe like the Table's own methods.
std::string match_result_json(const Table& table, std::string_view host, std::string_view uri);

// The line for a request routed as the edge routes it: `project` is the
// label of the project that answers the Host (null: none does, and nothing
// matched) and `table` its table. {"project":"prod/site",...} with the
// fields of match_result_json after it. The lookup is the edge's
// (agent/edge/request_match.hpp) with `query`: when the query fallback
// answered, the line ends with "query_fallback":true (the field is absent
// otherwise), `location` then carrying the query when query.preserve says so.
std::string routed_match_json(const std::string* project, const Table* table, std::string_view host,
                              std::string_view uri, const QueryOptions& query = {});

// The answer line for lookups already made for request target `uri`; what
// the overload above returns.
std::string match_result_json(const std::optional<RedirectMatch>& redirect,
                              const std::optional<PageView>& page, std::string_view uri);

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_MATCH_JSON_HPP_
