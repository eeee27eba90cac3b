// The agent's settings, from flags, environment variables and a TOML file.
//
// Precedence: a flag beats an environment variable (FLECTO_<NAME>), which
// beats the TOML file given with --config, which beats the default. Names
// follow the Traefik middleware's (manager_url, namespace_code, ...); flags
// are the names with dashes (--manager-url).

#ifndef FLECTO_AGENT_CONFIG_CONFIG_HPP_
#define FLECTO_AGENT_CONFIG_CONFIG_HPP_

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "matcher/table.hpp"

namespace flecto {

// Items asked per page of each listing (the `limit` of GET .../redirects and
// of GET .../pages): page_size sets both, redirects_limit and pages_limit
// (the Traefik middleware's names) one each.
struct ListingLimits {
  ListingLimits() = default;
  // One page size for both, as page_size sets it. Implicit, so that a call
  // with one number (fetch_rules(api, version, 500, stop)) keeps its meaning.
  ListingLimits(int both) : redirects(both), pages(both) {}  // NOLINT(google-explicit-constructor)
  ListingLimits(int redirects_limit, int pages_limit) : redirects(redirects_limit), pages(pages_limit) {}

  int redirects = 2000;  // bench/README.md, "Page size and compression"
  int pages = 2000;
  bool operator==(const ListingLimits&) const = default;
};

// What a sync does with a version in which some rules are invalid (rules
// Table::build skips): kSkip serves the others, kReject keeps serving the
// version held before (agent/sync/strict_versions.hpp).
enum class InvalidRules { kSkip, kReject };

// One [[host_configs]] entry: the hosts a project answers, and where its
// rules come from. Every field is resolved: what the entry does not set is
// the root's value (project_code is never inherited).
struct HostConfig {
  std::vector<std::string> hosts;  // as written, checked: "example.com", "*.example.com"
  std::string manager_url;
  std::string namespace_code;
  std::string project_code;
  std::string token;           // from the entry's token_jwt / token_file, else the root's
  std::string token_file;      // where `token` was read ("" when given inline or inherited inline)
  std::string header_authorization_name;
  std::string ca_file;
  std::chrono::milliseconds interval_check{0};
  ListingLimits listing_limits;
  InvalidRules on_invalid_rules = InvalidRules::kSkip;
};

struct Config {
  // The manager.
  std::string manager_url;     // e.g. https://manager.example.com
  std::string namespace_code;
  std::string project_code;
  std::string token;           // from token_jwt, token_file or $CREDENTIALS_DIRECTORY/token
  std::string token_file;      // where `token` was read ("" when given as token_jwt, or none)
  std::string header_authorization_name = "Authorization";
  std::string ca_file;         // empty: the system's CA store
  // The HTTP proxy for the manager, http://[user:pass@]host[:port]; wins
  // over HTTPS_PROXY / HTTP_PROXY (agent/config/proxy.hpp). Empty: those.
  std::string proxy_url;
  std::chrono::milliseconds interval_check{std::chrono::minutes(5)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds sync_timeout{std::chrono::minutes(5)};  // bound on one whole sync
  ListingLimits listing_limits;  // page_size, redirects_limit, pages_limit
  InvalidRules on_invalid_rules = InvalidRules::kSkip;

  // This agent.
  std::string agent_name;      // ^[A-Za-z0-9_-]+$; default: host name with others -> '-'
  std::string state_dir;       // default: $STATE_DIRECTORY, else /var/lib/flecto-agent
  // The snapshot's file name under state_dir. Not a setting: each project of
  // several gets its own (agent/projects/snapshot_name.hpp).
  std::string snapshot_name = "snapshot.json";

  // Several projects on this host (the TOML file's [[host_configs]] only;
  // empty: the root settings are the one project). The root project_code,
  // when set, is the default project for hosts no entry lists.
  std::vector<HostConfig> host_configs;

  // Serving.
  std::string rules_file;      // serve this rules file and do not sync
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen = "127.0.0.1:9090";  // empty: no admin listener
  // The relay for other agents (agent/relay/); restart-only.
  std::string relay_listen;     // empty: no relay (the default)
  std::string relay_tls_cert;   // both or neither: the relay speaks HTTPS
  std::string relay_tls_key;
  std::chrono::milliseconds relay_auth_ttl{std::chrono::seconds(60)};  // a downstream token's check, cached
  bool debug_headers = false;
  // Answers for caches and browsers (agent/edge/answer.hpp); empty: no header.
  std::string permanent_redirect_cache_control;  // Cache-Control on 301 and 308
  std::string temporary_redirect_cache_control;  // on 302 and 307
  std::string page_cache_control;                // on a page's 200 and 304
  bool query_fallback = false;  // nothing matches with the query: match the path alone
  bool query_preserve = false;  // a redirect found so carries the request's query
  bool access_log = false;  // a log line per edge answer
  std::size_t edge_threads = 0;  // event loops of the edge listener; 0: one per CPU

  // Matching: TableOptions::regex_memory_budget, in MiB.
  std::size_t regex_memory_mb = TableOptions::kDefaultRegexMemoryMb;

  std::string log_level = "info";
  std::string log_format = "text";  // "text" or "json" (agent/service/logging.hpp)

  // Settings given but not used (manager settings next to rules), one
  // message each, for the daemon to log at start.
  std::vector<std::string> warnings;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_CONFIG_CONFIG_HPP_
