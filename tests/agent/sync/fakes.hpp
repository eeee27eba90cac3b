// Test doubles for the sync's tests: a scripted manager (ManagerApi), a
// temporary directory, and a bounded wait.

#ifndef FLECTO_TESTS_AGENT_SYNC_FAKES_HPP_
#define FLECTO_TESTS_AGENT_SYNC_FAKES_HPP_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/manager/api.hpp"
#include "support/temp_dir.hpp"

namespace flecto::test {

// A manager that serves `published` and records what agents tell it. Faults
// are set per endpoint ("version", "redirects", "pages", "report",
// "heartbeat", "ping"); `on_call` runs before each call (outside the lock) and may
// publish, throw or block. Thread-safe.
class FakeManager : public ManagerApi {
 public:
  explicit FakeManager(Rules rules = {}) : published_(std::move(rules)) {}

  void publish(Rules rules) {
    std::lock_guard lock(mutex_);
    published_ = std::move(rules);
  }
  void fail(const std::string& endpoint, ManagerError error) {
    std::lock_guard lock(mutex_);
    faults_.insert_or_assign(endpoint, std::move(error));
  }
  void heal(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    faults_.erase(endpoint);
  }
  void heal_all() {
    std::lock_guard lock(mutex_);
    faults_.clear();
  }
  void set_on_call(std::function<void(const std::string&, std::stop_token)> hook) {
    std::lock_guard lock(mutex_);
    on_call_ = std::move(hook);
  }

  std::vector<LoadReport> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  std::vector<std::string> heartbeats() const {
    std::lock_guard lock(mutex_);
    return heartbeats_;
  }
  int calls(const std::string& endpoint) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(endpoint);
    return it == calls_.end() ? 0 : it->second;
  }

  std::int64_t get_version(std::stop_token stop) override {
    enter("version", stop);
    std::lock_guard lock(mutex_);
    return published_.version;
  }
  std::vector<Redirect> list_redirects(int, std::stop_token stop) override {
    enter("redirects", stop);
    std::lock_guard lock(mutex_);
    return published_.redirects;
  }
  std::vector<Page> list_pages(int, std::stop_token stop) override {
    enter("pages", stop);
    std::lock_guard lock(mutex_);
    return published_.pages;
  }
  void report_load(const LoadReport& report, std::stop_token stop) override {
    enter("report", stop);
    if (report.version == 0) throw ManagerError(ManagerError::Kind::kHttpStatus, "HTTP 400: version 0", 400);
    std::lock_guard lock(mutex_);
    reports_.push_back(report);
  }
  void heartbeat(const std::string& agent_name, std::stop_token stop) override {
    enter("heartbeat", stop);
    std::lock_guard lock(mutex_);
    heartbeats_.push_back(agent_name);
  }
  void ping(std::stop_token stop) override { enter("ping", stop); }

 private:
  void enter(const std::string& endpoint, std::stop_token stop) {
    std::function<void(const std::string&, std::stop_token)> hook;
    {
      std::lock_guard lock(mutex_);
      ++calls_[endpoint];
      hook = on_call_;
    }
    if (hook) hook(endpoint, stop);
    if (stop.stop_requested()) throw ManagerError(ManagerError::Kind::kCancelled, "cancelled");
    std::lock_guard lock(mutex_);
    auto fault = faults_.find(endpoint);
    if (fault != faults_.end()) throw fault->second;
  }

  mutable std::mutex mutex_;
  Rules published_;
  std::map<std::string, ManagerError> faults_;
  std::function<void(const std::string&, std::stop_token)> on_call_;
  std::vector<LoadReport> reports_;
  std::vector<std::string> heartbeats_;
  std::map<std::string, int> calls_;
};

// Blocks until `stop` fires (a manager that never answers), with a generous
// upper bound so that a broken test cannot hang.
inline void block_until_stopped(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait_for(lock, stop, std::chrono::seconds(30), [] { return false; });
}

// Polls `done` until it holds or 20 s pass (an upper bound, not a timing
// assertion); returns whether it held.
inline bool eventually(const std::function<bool()>& done) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A loopback port that is bound but not listening: connections to it are
// refused, and no parallel test can take it while this object lives (a port
// freed by a stopped server could be reused).
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot bind a loopback port");
    }
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
};

// A small valid version: `n` BASIC redirects and one page.
inline Rules sample_rules(std::int64_t version, int n = 3) {
  Rules rules;
  rules.version = version;
  for (int i = 0; i < n; ++i) {
    rules.redirects.push_back({"BASIC", "/v" + std::to_string(version) + "/" + std::to_string(i), "/new", "FOUND"});
  }
  rules.pages.push_back({"BASIC", "/robots.txt", "User-agent: *\n", "TEXT_PLAIN"});
  return rules;
}

inline ManagerError http_error(int code) {
  return ManagerError(ManagerError::Kind::kHttpStatus, "HTTP " + std::to_string(code), code);
}
inline ManagerError unreachable() {
  return ManagerError(ManagerError::Kind::kUnreachable, "connection refused");
}
inline ManagerError invalid_data() {
  return ManagerError(ManagerError::Kind::kInvalidData, "malformed JSON near line 1, column 2");
}

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_SYNC_FAKES_HPP_
