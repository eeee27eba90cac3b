// A client of Flecto Manager's agent API (shared/manager-api.md, summarized
// in README.md, "The manager's API").
//
// It implements ManagerApi (agent/manager/api.hpp): every call either
// returns what the manager said or throws ManagerError, whose kind tells a
// script what went wrong (see --sync-once's exit statuses). The token is
// sent in the configured header as "Bearer <token>" and never appears in an
// error message.
//
// Every request carries "User-Agent: flecto-agent/<version>" and
// "Accept-Encoding: gzip, deflate"; a compressed answer is decoded as it
// arrives (agent/manager/content_decoder.hpp), and the size bounds below
// apply to the decoded bytes. A corrupt compressed answer is kInvalidData.
//
// Requests go through the HTTP proxy that ManagerSettings::proxy chooses
// (agent/config/proxy.hpp): http managers by absolute-URI requests to the
// proxy, https managers by CONNECT, their certificate verified end to end.
// Proxy credentials are sent as Proxy-Authorization: Basic and never appear
// in a message; a proxy that cannot be reached is kUnreachable, named by
// its URL without user info.

#ifndef FLECTO_AGENT_MANAGER_CLIENT_HPP_
#define FLECTO_AGENT_MANAGER_CLIENT_HPP_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/manager/api.hpp"
#include "agent/manager/content_decoder.hpp"
#include "agent/config/proxy.hpp"
#include "matcher/rule.hpp"

namespace flecto {

struct ManagerSettings {
  std::string url;  // scheme://host[:port][/base path], http or https
  std::string namespace_code;
  std::string project_code;
  std::string token;
  std::string header_authorization_name = "Authorization";
  std::string ca_file;  // empty: the system's CA store
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  std::size_t max_body_bytes = std::size_t{256} << 20;  // larger answers are an error (decoded size)
  ProxySettings proxy;  // empty: a direct connection
  // What Accept-Encoding asks for: "gzip, deflate", or "identity" for
  // uncompressed answers (measurements compare the two).
  std::string accept_encoding = ContentDecoder::kAcceptEncoding;
};

// A manager's answer as it came, whatever its status (ManagerClient::pass_through).
struct PassedAnswer {
  int status = 0;
  std::string body;
  std::string content_type;  // "" when none
};

// One ManagerClient is used by one thread at a time; it keeps its
// connection open between requests. A stop token may be triggered from any
// thread: it ends a request that waits for or reads an answer (a connect in
// progress ends at connect_timeout), and the call throws kCancelled. An
// answer larger than max_body_bytes is kInvalidData, and so is a successful
// answer to a version check, report or heartbeat larger than 64 KiB.
class ManagerClient final : public ManagerApi {
 public:
  // Throws std::invalid_argument for a URL it cannot use.
  explicit ManagerClient(ManagerSettings settings);
  ~ManagerClient() override;

  // GET .../version: a bare number or a JSON string, whitespace around it.
  std::int64_t get_version(std::stop_token stop = {}) override;

  // GET .../redirects and .../pages, every page, in the manager's order:
  // follows Next cursors when the manager gives them, else pages by offset.
  // A listing that cannot be walked to its end consistently (no items while
  // more are due, a repeating cursor, more pages than Total explains) is
  // kInvalidData.
  std::vector<Redirect> list_redirects(int page_size, std::stop_token stop = {}) override;
  std::vector<Page> list_pages(int page_size, std::stop_token stop = {}) override;
  // The same walks, page by page: each page's items are handed to `sink`
  // as they are parsed and its body is freed before the next page is asked
  // for (list_* collect them so).
  void walk_redirects(int page_size, ListingSink& sink, std::stop_token stop = {}) override;
  void walk_pages(int page_size, ListingSink& sink, std::stop_token stop = {}) override;

  // POST .../agents.
  void report_load(const LoadReport& report, std::stop_token stop = {}) override;
  // PATCH .../agents/<name>/hit.
  void heartbeat(const std::string& agent_name, std::stop_token stop = {}) override;

  // <method> <api path>/<sub_path> ("agents", "agents/web-1/hit") with
  // `body` as JSON (none when empty), for the relay (agent/relay/), which
  // passes a downstream's report or heartbeat on with its own token: the
  // manager's answer whatever its status, bounded to 64 KiB. Throws
  // ManagerError: kUnreachable, kInvalidData (too large, corrupt),
  // kCancelled.
  PassedAnswer pass_through(const std::string& method, const std::string& sub_path, std::string body,
                            std::stop_token stop = {});

  // GET <base>/health/ping, without the token: returns when the manager
  // answers 2xx (a healthy manager answers 204).
  void ping(std::stop_token stop = {}) override;

  // The manager's URL for logs and /status (never the token).
  const std::string& url() const;
  // The proxy in use as http://host:port (never its user info), "" when none.
  const std::string& proxy_url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The client's settings from the agent's configuration, and the proxy
// variables from the process's environment.
ManagerSettings manager_settings_from(const Config& config);

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_CLIENT_HPP_
