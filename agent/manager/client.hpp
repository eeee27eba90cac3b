// A client of Flecto Manager's agent API (shared/manager-api.md, summarized
// in README.md, "The manager's API").
//
// Every call either returns what the manager said or throws ManagerError,
// whose kind tells a script what went wrong (see --sync-once's exit codes).
// The token is sent in the configured header as "Bearer <token>" and never
// appears in an error message.

#ifndef FLECTO_AGENT_MANAGER_CLIENT_HPP_
#define FLECTO_AGENT_MANAGER_CLIENT_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

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
  std::size_t max_body_bytes = std::size_t{256} << 20;  // larger answers are an error
};

class ManagerError : public std::runtime_error {
 public:
  enum class Kind {
    kUnreachable,  // connect, TLS, timeout, connection closed mid-answer
    kHttpStatus,   // the manager answered with an HTTP error (401, 403, 404, 5xx, ...)
    kInvalidData,  // the answer was malformed or inconsistent
    kCancelled,    // the stop token was triggered
  };
  ManagerError(Kind kind, const std::string& message, int http_status = 0)
      : std::runtime_error(message), kind_(kind), http_status_(http_status) {}
  Kind kind() const { return kind_; }
  int http_status() const { return http_status_; }  // 0 unless kHttpStatus

 private:
  Kind kind_;
  int http_status_;
};

// What POST .../agents carries after a load.
struct LoadReport {
  std::string name;
  std::int64_t version = 0;  // must not be 0
  bool success = true;
  std::chrono::nanoseconds load_duration{0};
  std::string error;         // empty on success
};

// One ManagerClient is used by one thread at a time; it keeps its
// connection open between requests. A stop token may be triggered from any
// thread: it ends a request that waits for or reads an answer (a connect in
// progress ends at connect_timeout), and the call throws kCancelled. An
// answer larger than max_body_bytes is kInvalidData, and so is a successful
// answer to a version check, report or heartbeat larger than 64 KiB.
class ManagerClient {
 public:
  // Throws std::invalid_argument for a URL it cannot use.
  explicit ManagerClient(ManagerSettings settings);
  ~ManagerClient();

  // GET .../version: a bare number or a JSON string, whitespace around it.
  std::int64_t get_version(std::stop_token stop = {});

  // GET .../redirects and .../pages, every page, in the manager's order:
  // follows Next cursors when the manager gives them, else pages by offset.
  // A listing that cannot be walked to its end consistently (no items while
  // more are due, a repeating cursor, more pages than Total explains) is
  // kInvalidData.
  std::vector<Redirect> list_redirects(int page_size, std::stop_token stop = {});
  std::vector<Page> list_pages(int page_size, std::stop_token stop = {});

  // POST .../agents.
  void report_load(const LoadReport& report, std::stop_token stop = {});
  // PATCH .../agents/<name>/hit.
  void heartbeat(const std::string& agent_name, std::stop_token stop = {});

  // The manager's URL for logs and /status (never the token).
  const std::string& url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_CLIENT_HPP_
