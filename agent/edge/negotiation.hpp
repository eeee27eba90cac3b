// Reading the request headers that choose a page's form (RFC 9110):
// If-None-Match (13.1.2) and Accept-Encoding (12.5.3).
//
//   if (if_none_match_hits(request.if_none_match, "\"abc\"")) answer 304;
//   if (accepts_gzip(request.accept_encoding)) send the gzip form;
//
// Both are lenient readers: what they cannot read counts as "no" (a 200
// rather than a 304, identity rather than gzip), which is always a correct
// answer; they never throw.

#ifndef FLECTO_AGENT_EDGE_NEGOTIATION_HPP_
#define FLECTO_AGENT_EDGE_NEGOTIATION_HPP_

#include <string_view>

namespace flecto {

// Whether an If-None-Match value names `etag` (quoted, strong, as sent in
// ETag): "*", or a comma-separated list of entity-tags one of which equals
// it by the weak comparison (W/"x" and "x" are the same tag). Empty: false.
// A malformed list is read up to the malformed part.
bool if_none_match_hits(std::string_view if_none_match, std::string_view etag);

// Whether an Accept-Encoding value accepts gzip: "gzip" (or "x-gzip") with
// a weight above 0, or, when it names neither, "*" with a weight above 0.
// Names in any case; "gzip;q=0" refuses; an unreadable weight refuses.
// Empty or absent: false (identity, which every client takes).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_NEGOTIATION_HPP_
