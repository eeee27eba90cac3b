// The host and uri the edge matches a request on, read from its target as
// the reference edge (the Traefik middleware, on Go's net/http) reads it:
// shared/matching.md, "Inputs".
//
//   std::string buffer;  // kept by the connection, reused for every request
//   const MatchInput in = read_match_input(request.target, request.host, buffer);
//   if (in.status != 0) answer(in.status) and close;  // 400, never matched
//   else route(in.host), match(in.host, in.uri);
//
// - Origin form ("/path?query"): the host is the Host header given.
//   Absolute form ("http://example.com/path?query", also https, the scheme
//   in any case): the host is the authority, the Host header is ignored
//   (RFC 9112 3.2.2), and the uri is the path and query, "/" for an empty
//   path. "*" (OPTIONS *) is the uri "*".
// - The uri is Go's req.URL.RequestURI(): a validly encoded path (letters,
//   digits, -._~!$&'()*+,;=:@[]/ and %XX escapes) is kept as received; any
//   other path is decoded and re-encoded as URL.EscapedPath() does (letters,
//   digits and -._~$&+,/:;=@ kept, every other byte %XX in upper case). The
//   query, everything after the first '?', is kept byte for byte, a lone
//   '?' included.
// - 400: a control byte (below 0x20, or 0x7f) anywhere; a '%' not followed by
//   two hex digits, in the path or the query (matching.md; Go's net/http
//   refuses it in the path only); a target that is neither of the forms
//   above (no leading '/', another scheme, "http:/x", CONNECT's
//   "host:port"); an absolute form whose authority is empty, holds user info
//   ('@') or a '%', a byte a Host header may not hold, or a port that is not
//   digits. RFC 9110 4.2.1 and 4.2.4 ask a recipient to reject the last
//   ones; Go's url.Parse accepts user info and an empty authority (then the
//   Host header is used) and decodes '%' in a host.
//
// The result is idempotent: a uri read again, as an origin-form target,
// comes back unchanged. Its path is always validly encoded ASCII; its query
// is the client's, without control bytes or bad escapes (a raw byte of 0x80
// or more is kept there, as Go keeps it).
//
// Cost: a target whose path is validly encoded, the common case, is not
// copied: the views point into `target` (or at a constant "/"). Only a path
// to re-encode, or an absolute form with an empty path and a query, is
// written into `buffer`, which the caller keeps to reuse its capacity.

#ifndef FLECTO_AGENT_EDGE_REQUEST_TARGET_HPP_
#define FLECTO_AGENT_EDGE_REQUEST_TARGET_HPP_

#include <string>
#include <string_view>

namespace flecto {

struct MatchInput {
  int status = 0;         // 0, or 400: answer it and match nothing
  std::string_view host;  // the Host header given, or the absolute form's authority
  std::string_view uri;   // path and query, as Go's RequestURI() gives them
};

// Reads `target` (the request target as received) and `host_header` (the
// Host value as received, "" when there is none). The views returned point
// into `target`, `host_header`, `buffer` or static storage: valid while
// those are unchanged.
MatchInput read_match_input(std::string_view target, std::string_view host_header,
                            std::string& buffer);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_REQUEST_TARGET_HPP_
