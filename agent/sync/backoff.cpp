#include "agent/sync/backoff.hpp"

#include <algorithm>

namespace flecto {

std::chrono::milliseconds jittered(std::chrono::milliseconds base, double fraction,
                                   std::mt19937_64& random) {
  if (base.count() <= 0) return base;
  fraction = std::clamp(fraction, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - fraction, 1.0 + fraction);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(base.count()) * factor(random)));
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter,
                 std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      jitter_(jitter),
      random_(seed != 0 ? seed : std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
  // Doubling stops once max is reached, so the shift never overflows.
  std::chrono::milliseconds base = initial_;
  for (int i = 0; i < failures_ && base < max_; ++i) base *= 2;
  base = std::min(base, max_);
  ++failures_;
  return std::min(jittered(base, jitter_, random_), max_);
}

std::chrono::milliseconds Backoff::jittered_interval(std::chrono::milliseconds interval) {
  return jittered(interval, jitter_, random_);
}

}  // namespace flecto
