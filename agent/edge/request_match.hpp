// What a request target gets from a table, with the opt-in query fallback:
// the one lookup of the edge (answer.hpp), of the admin /match and of
// `flecto-agent match --config` (agent/admin/match_json.hpp).
//
//   const RequestMatch m = match_request(table, host, "/sale?utm_source=mail", {.fallback = true});
//   if (m.redirect) send(m.redirect->code, request_location(m, "/sale?utm_source=mail"));
//
// In order, the first that answers decides:
// 1. a redirect for the full target, then a page for it (shared/matching.md);
// 2. with `fallback`, when the target has a query ('?' and what follows,
//    a lone '?' included): a redirect for the path alone (the target up to
//    its first '?'), then a page for it, through every stage of each.
// `by_path` says that step 2 answered. With `preserve` too, a redirect of
// step 2 carries the request's query into its Location (request_location).
// PageLookup::kAlways looks a page up next to a redirect as well (what
// /match shows); the edge does not, since the redirect wins.

#ifndef FLECTO_AGENT_EDGE_REQUEST_MATCH_HPP_
#define FLECTO_AGENT_EDGE_REQUEST_MATCH_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "matcher/table.hpp"

namespace flecto {

// The query_fallback and query_preserve settings.
struct QueryOptions {
  bool fallback = false;  // no match with the query: match the path alone
  bool preserve = false;  // a redirect found so keeps the request's query
};

enum class PageLookup : std::uint8_t {
  kWhenNoRedirect,  // the edge: a redirect wins, the page is not looked up
  kAlways,          // /match and `match`: both shown
};

struct RequestMatch {
  std::optional<RedirectMatch> redirect;
  std::optional<PageView> page;
  bool by_path = false;    // the query fallback answered (matched on the path alone)
  std::string_view query;  // the request's query (after '?'), kept when by_path and preserve
};

RequestMatch match_request(const Table& table, std::string_view host, std::string_view target,
                           const QueryOptions& options, PageLookup pages = PageLookup::kWhenNoRedirect);

// The Location of `match.redirect` (which must be set) answering `target`:
// redirect_location(), then the kept query, if any, joined as with_query()
// says.
std::string request_location(const RequestMatch& match, std::string_view target);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_REQUEST_MATCH_HPP_
