// The Location header and HTML body of a redirect, as Go's http.Redirect
// writes them (the manager's Traefik middleware answers with it, and an edge
// host must answer the same).
//
//   redirect_location("https://example.com/x", "/old")  -> "https://example.com/x"
//   redirect_location("//cdn.example.com/x", "/old")     -> "//cdn.example.com/x"
//   redirect_location("new", "/docs/old?x=1")            -> "/docs/new"
//   redirect_location("/a//b/../c/?q=1", "/old")         -> "/a/c/?q=1"
//   redirect_location("/caf\xc3\xa9", "/old")            -> "/caf%c3%a9"
//
// Rules, in order:
// - A target with a scheme ("https:", "mailto:") or an authority ("//host")
//   goes out as it is. So does a target Go's url.Parse rejects (a bad
//   percent escape such as "%zz", a colon in the first segment of a relative
//   path, a leading ':'), because http.Redirect leaves those alone.
// - Otherwise it is a path. One that does not start with '/' is appended to
//   the directory of the request path (everything up to its last '/'). The
//   part before the first '?' is cleaned like Go's path.Clean (repeated
//   slashes collapsed, "." and ".." resolved, never above the root); a
//   trailing slash and the query are kept.
// - Finally every byte outside printable ASCII (0x20..0x7e) is written as
//   "%xx" (two lower-case hex digits, as Go writes non-ASCII bytes). Go leaves
//   control bytes to its header writer; we encode them too, so that no CR, LF
//   or NUL from a rule or a captured group can ever reach a header.
//
// The request path is taken from the request target as received, without
// percent-decoding (Go uses the decoded path); decoding could turn "%2F" into
// a directory or "%0D%0A" into a line break.

#ifndef FLECTO_AGENT_EDGE_REDIRECT_LOCATION_HPP_
#define FLECTO_AGENT_EDGE_REDIRECT_LOCATION_HPP_

#include <string>
#include <string_view>

namespace flecto {

// The Location value for a redirect to `target` answering `request_target`
// (origin form "/path?query", or absolute form "http://host/path?query").
std::string redirect_location(std::string_view target, std::string_view request_target);

// `location` with the request's `query` (without its '?') added, as the
// query_preserve setting asks: after a '?' when `location` has no query,
// else after a '&' (none when its query is empty or already ends in '&'),
// and before a fragment ('#...'), which stays last. Bytes outside printable
// ASCII in `query` are written as %xx, as in redirect_location().
//   with_query("/new", "utm=1")        -> "/new?utm=1"
//   with_query("/new?a=1#top", "utm=1") -> "/new?a=1&utm=1#top"
std::string with_query(std::string location, std::string_view query);

// Go's path.Clean, byte for byte ("" -> ".", "a/../.." -> "..", "//a/./b/" -> "/a/b").
std::string clean_path(std::string_view path);

// The body of a redirect answered to GET, like http.Redirect's:
// `<a href="LOCATION">Moved Permanently</a>.` and two line feeds, with
// LOCATION HTML-escaped (& < > " ') and the code's reason phrase.
std::string redirect_html_body(std::string_view location, int code);

// Appends `s` with every byte outside printable ASCII (0x20..0x7e) written
// as %xx, so that no CR, LF or NUL can reach a header.
void append_percent_escaped(std::string& out, std::string_view s);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_REDIRECT_LOCATION_HPP_
