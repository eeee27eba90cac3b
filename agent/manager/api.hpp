// What the sync needs from Flecto Manager, as an interface: ManagerClient
// (agent/manager/client.hpp) in production, a scripted fake in tests of the
// sync's decisions.
//
//   flecto::ManagerClient client(flecto::manager_settings_from(config));
//   flecto::SyncLoop loop(config, client, served, status);
//
// Every method either returns what the manager said or throws ManagerError;
// kCancelled when `stop` was triggered.

#ifndef FLECTO_AGENT_MANAGER_API_HPP_
#define FLECTO_AGENT_MANAGER_API_HPP_

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/rule.hpp"

namespace flecto {

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

// Takes a listing's items one at a time, in the manager's order, as views
// that live only for the call (into a page's body, freed once walked).
// The fields are as listed, words unparsed, null given as "".
class ListingSink {
 public:
  virtual ~ListingSink() = default;
  virtual void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                            std::string_view status) = 0;
  virtual void add_page(std::string_view type, std::string_view path, std::string_view content,
                        std::string_view content_type) = 0;
};

// A sink that keeps every item as strings: the lists of a Rules.
class RulesCollector final : public ListingSink {
 public:
  void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                    std::string_view status) override {
    rules.redirects.push_back({std::string(type), std::string(source), std::string(target), std::string(status)});
  }
  void add_page(std::string_view type, std::string_view path, std::string_view content,
                std::string_view content_type) override {
    rules.pages.push_back({std::string(type), std::string(path), std::string(content), std::string(content_type)});
  }
  Rules rules;
};

class ManagerApi {
 public:
  virtual ~ManagerApi() = default;
  // GET .../version.
  virtual std::int64_t get_version(std::stop_token stop) = 0;
  // GET .../redirects and .../pages: every page, in the manager's order.
  virtual std::vector<Redirect> list_redirects(int page_size, std::stop_token stop) = 0;
  virtual std::vector<Page> list_pages(int page_size, std::stop_token stop) = 0;
  // The same listings, each item handed to `sink` as it is read, so that no
  // list of them is held: ManagerClient parses a page, hands its items and
  // frees its body before asking for the next. When a walk throws, the
  // items it handed before are the caller's to throw away. By default, over
  // the lists above (the test doubles' way).
  virtual void walk_redirects(int page_size, ListingSink& sink, std::stop_token stop) {
    for (const Redirect& r : list_redirects(page_size, stop)) sink.add_redirect(r.type, r.source, r.target, r.status);
  }
  virtual void walk_pages(int page_size, ListingSink& sink, std::stop_token stop) {
    for (const Page& p : list_pages(page_size, stop)) sink.add_page(p.type, p.path, p.content, p.content_type);
  }
  // POST .../agents.
  virtual void report_load(const LoadReport& report, std::stop_token stop) = 0;
  // PATCH .../agents/<name>/hit.
  virtual void heartbeat(const std::string& agent_name, std::stop_token stop) = 0;
  // GET /health/ping (under the URL's base path), without the token:
  // returns when the manager answers it, which tells a manager that is up
  // (but refuses the token or project) from one that is down
  // (agent/sync/diagnose.hpp).
  virtual void ping(std::stop_token stop) = 0;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_API_HPP_
