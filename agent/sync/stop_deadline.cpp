#include "agent/sync/stop_deadline.hpp"

#include <condition_variable>
#include <mutex>

namespace flecto {

StopDeadline::StopDeadline(std::stop_token outer, std::chrono::milliseconds limit,
                           std::function<void()> tick, std::chrono::milliseconds tick_period) {
  forward_.emplace(outer, std::function<void()>([this] { source_.request_stop(); }));
  auto deadline = std::chrono::steady_clock::now() + limit;
  timer_ = std::jthread([this, deadline, tick = std::move(tick), tick_period](std::stop_token own) {
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!own.stop_requested()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        expired_.store(true);
        source_.request_stop();
        return;
      }
      {
        // Only our own stop (destruction) wakes the wait early.
        std::unique_lock lock(mutex);
        wake.wait_until(lock, own, std::min(deadline, now + tick_period), [] { return false; });
      }
      if (tick && !own.stop_requested() && std::chrono::steady_clock::now() < deadline) tick();
    }
  });
}

StopDeadline::~StopDeadline() {
  timer_.request_stop();
  if (timer_.joinable()) timer_.join();
  forward_.reset();
}

}  // namespace flecto
