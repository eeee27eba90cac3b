// What the relay counts, for /status and /metrics: the downstream requests
// it answered, by endpoint and result; the token checks it asked the
// upstream (and the decisions taken from its cache); the reports and
// heartbeats it passed through, by the upstream's result. Lock-free
// counters, written by the relay's threads, read by the admin listener's.
//
//   counters.count(flecto::RelayEndpoint::kRedirects, flecto::RelayResult::kOk);
//   std::string text = flecto::render_relay_metrics(counters, store);   // appended to /metrics
//   std::string json = flecto::relay_status_json(counters, store);      // "relay" in /status
//
// Never a token: the counters hold numbers only.

#ifndef FLECTO_AGENT_RELAY_RELAY_COUNTERS_HPP_
#define FLECTO_AGENT_RELAY_RELAY_COUNTERS_HPP_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "agent/relay/relay_store.hpp"

namespace flecto {

enum class RelayEndpoint { kPing, kVersion, kRedirects, kPages, kAgents, kHit };
inline constexpr std::size_t kRelayEndpointCount = 6;

enum class RelayResult {
  kOk,                   // served (a pass-through: the upstream answered 2xx)
  kBadRequest,           // 400: a bad limit, offset or cursor
  kRefused,              // 401 or 403: no token, or one the upstream refused
  kUnknownProject,       // 500 record not found: a project the relay does not sync
  kNoVersion,            // 503: the relay holds no version of the project yet
  kAuthUnavailable,      // 503: a token never checked, and the upstream cannot be asked
  kCursorGone,           // 200, empty: the cursor's version is no longer held (the walk starts over)
  kUpstreamError,        // a pass-through the upstream answered other than 2xx (relayed as is)
  kUpstreamUnreachable,  // 502: a pass-through the upstream did not answer
};
inline constexpr std::size_t kRelayResultCount = 9;

enum class RelayAuthOutcome { kAccepted, kRefused, kUpstreamDown, kCached };
inline constexpr std::size_t kRelayAuthOutcomeCount = 4;

const char* to_string(RelayEndpoint endpoint);  // "version", "redirects", "agents", "hit", ...
const char* to_string(RelayResult result);      // "ok", "bad_request", ...
const char* to_string(RelayAuthOutcome outcome);

class RelayCounters {
 public:
  void count(RelayEndpoint endpoint, RelayResult result) {
    requests_[index(endpoint)][index(result)].fetch_add(1, std::memory_order_relaxed);
  }
  void count(RelayAuthOutcome outcome) { auth_[index(outcome)].fetch_add(1, std::memory_order_relaxed); }

  std::uint64_t requests(RelayEndpoint endpoint, RelayResult result) const {
    return requests_[index(endpoint)][index(result)].load(std::memory_order_relaxed);
  }
  std::uint64_t auth_checks(RelayAuthOutcome outcome) const {
    return auth_[index(outcome)].load(std::memory_order_relaxed);
  }

 private:
  template <typename E>
  static std::size_t index(E e) {
    return static_cast<std::size_t>(e);
  }
  std::array<std::array<std::atomic<std::uint64_t>, kRelayResultCount>, kRelayEndpointCount> requests_{};
  std::array<std::atomic<std::uint64_t>, kRelayAuthOutcomeCount> auth_{};
};

// Prometheus text lines (with # HELP and # TYPE):
//   flecto_agent_relay_requests_total{endpoint="redirects",result="ok"} 12
//   flecto_agent_relay_auth_checks_total{result="accepted"} 3
//   flecto_agent_relay_passed_through_total{endpoint="agents",result="ok"} 2
//   flecto_agent_relay_version{namespace="prod",project="site"} 7
//   flecto_agent_relay_held_bytes{namespace="prod",project="site"} 123456
// Counters whose value is 0 are written too, so that a series exists from
// the start.
std::string render_relay_metrics(const RelayCounters& counters, const RelayStore& store);

// {"requests":{"redirects":{"ok":12,...},...},"auth_checks":{...},
//  "passed_through":{"agents":{...},"hit":{...}},
//  "projects":[{"namespace":"prod","project":"site","version":7,"versions_held":1,"held_bytes":123456}]}
// Only non-zero counts appear under requests and passed_through.
std::string relay_status_json(const RelayCounters& counters, const RelayStore& store);

}  // namespace flecto

#endif  // FLECTO_AGENT_RELAY_RELAY_COUNTERS_HPP_
