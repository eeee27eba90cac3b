// Which project answers a request, from its Host header, when one agent
// serves several projects ([[host_configs]]).
//
// A router is built from (host pattern, project index) pairs and an optional
// default project; route() gives the project for a Host header as the edge
// received it, or std::nullopt (a miss: the edge answers 404, so that the
// origin behind nginx answers instead).
//
//   HostRouter router({{"example.com", 0}, {"*.example.com", 1}, {"*.b.example.com", 2}}, 3);
//   router.route("example.com:8080");   // 0: the port is not part of the host
//   router.route("Example.COM.");       // 0: ASCII case and one trailing dot are ignored
//   router.route("a.example.com");      // 1: "*." stands for one label or more
//   router.route("a.b.example.com");    // 2: the longer wildcard wins
//   router.route("b.example.com");      // 1: a wildcard never matches its own base
//   router.route("other.org");          // 3: the default; std::nullopt without one
//
// The Host header is normalized the same way everywhere (normalize_host()):
//   - the port is removed: "example.com:8080" -> "example.com", "[::1]:8080"
//     -> "[::1]", "[::1]" -> "[::1]", "example.com:" -> "example.com",
//     ":8080" -> "" (what follows the last ':' is not checked). A bare IPv6
//     address ("::1", more than one ':' and no brackets) is not a valid Host
//     and is kept as it is: it matches nothing unless listed as such;
//   - A-Z become a-z (no other byte changes);
//   - one trailing dot is removed: "example.com." -> "example.com".
// A normalized Host that is empty or longer than kMaxHostLength bytes is no
// known host: it gets the default project (or std::nullopt).
//
// Patterns are exact hosts ("example.com", "127.0.0.1", "[::1]") or
// wildcards ("*.example.com"), compared after the same normalization (the
// port aside: a pattern has none). An exact host wins over any wildcard, and
// a longer wildcard over a shorter one. A host with an empty label
// ("a..example.com", ".example.com") matches no wildcard.
//
// The constructor throws std::invalid_argument, naming the pattern, for an
// empty or malformed pattern (host_pattern_problem()) and for a host listed
// twice (even for one project).
//
// route() allocates nothing: it normalizes into a stack buffer and looks the
// host up by std::string_view. A router is immutable once built, so any
// number of threads may call route() at once.

#ifndef FLECTO_AGENT_PROJECTS_HOST_ROUTER_HPP_
#define FLECTO_AGENT_PROJECTS_HOST_ROUTER_HPP_

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flecto {

// The longest host name a router knows (DNS names stay within 253 bytes).
inline constexpr std::size_t kMaxHostLength = 255;

// Room for one normalized host.
using HostBuffer = std::array<char, kMaxHostLength>;

// `host` with its port removed, by the rules above ("[::1]:80" -> "[::1]",
// "::1" -> "::1"). A view into `host`.
std::string_view host_without_port(std::string_view host);

// `host` normalized (port removed when `strip_port`, A-Z lowered, one
// trailing dot removed), written into `buffer`; the result views `buffer`.
// Empty when the result is empty or longer than kMaxHostLength.
//   normalize_host("WWW.Example.com.:443", true, buffer) -> "www.example.com"
std::string_view normalize_host(std::string_view host, bool strip_port, HostBuffer& buffer);

// The same, as a string and without the length limit: for the configuration
// and /match, which must name hosts exactly as the router sees them.
//   normalize_host("Example.COM.", false) -> "example.com"
std::string normalize_host(std::string_view host, bool strip_port);

// Why `pattern` cannot be a host pattern, "" when it can. A pattern is, once
// normalized (no port removed), at most kMaxHostLength bytes and either
//   - a host name: labels of [a-z0-9_-] (A-Z allowed, they are lowered)
//     separated by single dots: "example.com", "localhost", "127.0.0.1";
//   - "*." followed by a host name: "*.example.com";
//   - an IPv6 literal in brackets: "[::1]", "[2001:db8::1]" (hex digits,
//     ':' and '.' inside).
// A port, '*' elsewhere, white space, non-ASCII bytes ("xn--" names are
// fine) and empty labels are refused, with a message naming the pattern:
//   host "ex*ample.com": '*' is only allowed as a whole first label ("*.example.com")
std::string host_pattern_problem(std::string_view pattern);

struct HostRoute {
  std::string pattern;  // "example.com" or "*.example.com"
  std::size_t project;  // the index route() gives for it
};

class HostRouter {
 public:
  // Routes nothing: every route() is std::nullopt.
  HostRouter() = default;

  // Throws std::invalid_argument naming the pattern: a malformed pattern
  // (host_pattern_problem()) or a host listed twice.
  explicit HostRouter(const std::vector<HostRoute>& routes,
                      std::optional<std::size_t> default_project = std::nullopt);

  // The project answering a request with this Host header (as received,
  // port and all), the default project when no pattern matches, std::nullopt
  // when there is no default either.
  std::optional<std::size_t> route(std::string_view host_header) const;

  // The project a normalized host (normalize_host()) matches, without the
  // default: std::nullopt when no pattern matches.
  std::optional<std::size_t> match_normalized(std::string_view host) const;

  std::optional<std::size_t> default_project() const { return default_project_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;

  Map exact_;      // "example.com" -> project
  Map wildcards_;  // "*.example.com", keyed by its base "example.com" -> project
  std::optional<std::size_t> default_project_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_HOST_ROUTER_HPP_
