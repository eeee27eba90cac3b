// What the agent knows about its configuration reloads (SIGHUP, systemctl
// reload), for logs, /status and /metrics. The reload writes it, the admin
// listener reads copies of it; every method is thread-safe.

#ifndef FLECTO_AGENT_SERVICE_RELOAD_STATUS_HPP_
#define FLECTO_AGENT_SERVICE_RELOAD_STATUS_HPP_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace flecto {

struct ReloadState {
  std::uint64_t applied = 0;  // reloads whose configuration was valid and applied
  std::uint64_t refused = 0;  // reloads whose configuration was invalid: the old one kept
  std::optional<std::chrono::system_clock::time_point> last_time;
  bool last_ok = true;               // no reload yet counts as ok
  std::vector<std::string> last_problems;  // why the last one was refused
};

class ReloadStatus {
 public:
  ReloadState get() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  void record_applied(std::chrono::system_clock::time_point when) {
    std::lock_guard lock(mutex_);
    ++state_.applied;
    state_.last_time = when;
    state_.last_ok = true;
    state_.last_problems.clear();
  }
  void record_refused(std::chrono::system_clock::time_point when, std::vector<std::string> problems) {
    std::lock_guard lock(mutex_);
    ++state_.refused;
    state_.last_time = when;
    state_.last_ok = false;
    state_.last_problems = std::move(problems);
  }

 private:
  mutable std::mutex mutex_;
  ReloadState state_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_RELOAD_STATUS_HPP_
