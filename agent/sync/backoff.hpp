// Delays between sync attempts: the regular interval with jitter, and
// exponential backoff after failures.
//
//   flecto::Backoff backoff(std::chrono::seconds(1), config.interval_check);
//   ... on failure: wait backoff.next();  on success: backoff.reset();
//
// Jitter spreads a fleet of agents so that they do not hit the manager in
// step. Not thread-safe: one Backoff per loop.

#ifndef FLECTO_AGENT_SYNC_BACKOFF_HPP_
#define FLECTO_AGENT_SYNC_BACKOFF_HPP_

#include <chrono>
#include <cstdint>
#include <random>

namespace flecto {

// `base` scaled by a uniformly random factor in [1 - fraction, 1 + fraction].
// `fraction` is clamped to [0, 1]; a zero or negative base is returned as is.
std::chrono::milliseconds jittered(std::chrono::milliseconds base, double fraction,
                                   std::mt19937_64& random);

class Backoff {
 public:
  // Delays start at `initial` and double after each failure up to `max`
  // (max is raised to initial if smaller); each is jittered by ±`jitter`,
  // and never exceeds `max`. `seed` makes the sequence reproducible in tests;
  // 0 seeds from std::random_device.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter = 0.1,
          std::uint64_t seed = 0);

  // The delay before the next attempt after one more failure.
  std::chrono::milliseconds next();
  // After a success: the next failure starts again at `initial`.
  void reset() { failures_ = 0; }
  // Failures since the last reset.
  int failures() const { return failures_; }

  // ±jitter around `interval`, from the same random source: the delay before
  // the next regular check.
  std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval);

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  double jitter_;
  int failures_ = 0;
  std::mt19937_64 random_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SYNC_BACKOFF_HPP_
