// The one line systemd shows for the service (`systemctl status`, STATUS=):
// what is true now, in words an operator reads at a glance.
//
//   no table yet
//   no table yet; sync failing since 12:03 UTC
//   serving version 42 (1,204 rules), last sync ok 3 min ago
//   serving version 42 (1,204 rules); sync failing since 12:03 UTC
//   serving version 42 (1,204 rules) from the rules file
//   serving 3 projects (5,210 rules), last sync ok 3 min ago
//   serving 2 of 3 projects (4,006 rules); sync failing since 12:03 UTC

#ifndef FLECTO_AGENT_SERVICE_STATUS_TEXT_HPP_
#define FLECTO_AGENT_SERVICE_STATUS_TEXT_HPP_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace flecto {

struct ServiceFacts {
  using Time = std::chrono::system_clock::time_point;
  std::size_t projects = 1;             // configured
  std::size_t serving = 0;              // of them, those serving a table
  std::optional<std::int64_t> version;  // of a lone project's table; nullopt: none yet
  std::size_t rules = 0;                // redirects and pages in the tables
  bool from_rules_file = false;         // serving --rules: no sync at all
  std::optional<Time> last_check_ok;    // the manager last answered a version check
  std::optional<Time> failing_since;    // the first of the syncs failing now in a row
};

// The STATUS= text for `facts` at `now`. A failure in progress wins over an
// older success; times of day are UTC. With several projects, the oldest
// failure and the stalest check speak for all.
std::string service_status_text(const ServiceFacts& facts, ServiceFacts::Time now);

// 1204 -> "1,204".
std::string with_thousands(std::uint64_t n);

// A past moment as "just now" (under a minute), "3 min ago", "2 h ago",
// "3 d ago": whole units, so that the text changes at most once a minute.
std::string ago(std::chrono::system_clock::duration elapsed);

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_STATUS_TEXT_HPP_
