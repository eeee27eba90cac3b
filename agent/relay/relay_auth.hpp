// Who may read from the relay: a downstream request's bearer token is
// checked by asking the upstream manager for the project's version with it,
// and the verdict is cached, keyed by a SHA-256 of the project and the
// token (the token itself is never kept, logged or shown).
//
//   flecto::RelayAuth auth(std::chrono::seconds(60));
//   flecto::RelayAuthDecision d = auth.check("prod/site", token, [&](const std::string& t) {
//     return ask_upstream(t);                      // GET .../version with that token
//   });
//   if (d.status != 0) answer(d.status);           // 401, 403 or 503
//
// - Accepted by the upstream: cached for `ttl` (relay_auth_ttl).
// - Refused (401 or 403): cached for min(ttl, 10s), never longer than a
//   success, so a revoked token is refused soon; answered with the
//   upstream's status.
// - The upstream cannot be asked (unreachable, or an answer other than 2xx,
//   401 and 403): a token accepted at its last check stays accepted (asked
//   again after min(ttl, 10s)); one refused at its last check stays refused
//   (its status); one never checked gets 503.
//
// Pure logic: the clock and the question to the upstream are injected, so
// it is tested without a network. Thread-safe; the upstream is asked
// outside the lock.

#ifndef FLECTO_AGENT_RELAY_RELAY_AUTH_HPP_
#define FLECTO_AGENT_RELAY_RELAY_AUTH_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace flecto {

// What the upstream said of a token.
struct UpstreamVerdict {
  enum class Kind { kAccepted, kRefused, kCannotAsk };
  Kind kind = Kind::kCannotAsk;
  int http_status = 0;  // kRefused: 401 or 403
};

struct RelayAuthDecision {
  int status = 0;  // 0: may read; else 401, 403 or 503 to answer
  bool asked_upstream = false;
  UpstreamVerdict::Kind upstream = UpstreamVerdict::Kind::kCannotAsk;  // when asked
};

class RelayAuth {
 public:
  using Clock = std::chrono::steady_clock;
  using Ask = std::function<UpstreamVerdict(const std::string& token)>;
  static constexpr std::chrono::milliseconds kMaxRefusalCache{std::chrono::seconds(10)};
  static constexpr std::size_t kMaxEntries = 100000;

  explicit RelayAuth(std::chrono::milliseconds ttl,
                     std::function<Clock::time_point()> now = [] { return Clock::now(); });

  // The decision for `token` on the project `scope` ("namespace/project").
  // An empty token is refused (401) without asking.
  RelayAuthDecision check(std::string_view scope, const std::string& token, const Ask& ask);

  // The token of a header value "Bearer <token>" (the scheme in any case),
  // "" when it is not one.
  static std::string bearer_token(std::string_view header_value);

 private:
  struct Entry {
    bool accepted = false;  // at its last answered check
    int refused_status = 0;
    Clock::time_point fresh_until;
  };
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds refusal_ttl_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by SHA-256 of scope and token
};

}  // namespace flecto

#endif  // FLECTO_AGENT_RELAY_RELAY_AUTH_HPP_
