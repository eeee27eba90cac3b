// A stop token that fires when an outer token does or when a time limit
// passes: the bound on one whole sync (Config::sync_timeout).
//
//   flecto::StopDeadline deadline(stop, config.sync_timeout, tick);
//   try { fetch(..., deadline.token()); }
//   catch (const ManagerError& e) { if (deadline.expired()) ... timed out ... }
//
// While it lives, a helper thread waits for the limit and calls `tick` (when
// given) every `tick_period`, so a systemd watchdog is fed during a long sync
// but no longer once the limit has passed: a sync that ignores its stop token
// past the limit then shows up as a hang.

#ifndef FLECTO_AGENT_SYNC_STOP_DEADLINE_HPP_
#define FLECTO_AGENT_SYNC_STOP_DEADLINE_HPP_

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <thread>

namespace flecto {

class StopDeadline {
 public:
  StopDeadline(std::stop_token outer, std::chrono::milliseconds limit,
               std::function<void()> tick = {},
               std::chrono::milliseconds tick_period = std::chrono::seconds(1));
  // Stops and joins the helper thread; `tick` is not called afterwards.
  ~StopDeadline();
  StopDeadline(const StopDeadline&) = delete;
  StopDeadline& operator=(const StopDeadline&) = delete;

  // Fires when the outer token fires or the limit passes.
  std::stop_token token() const { return source_.get_token(); }
  // True once the limit passed; callers check the outer token first.
  bool expired() const { return expired_.load(); }

 private:
  std::stop_source source_;
  std::atomic<bool> expired_{false};
  std::optional<std::stop_callback<std::function<void()>>> forward_;
  std::jthread timer_;  // last: started after everything it uses
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_STOP_DEADLINE_HPP_
