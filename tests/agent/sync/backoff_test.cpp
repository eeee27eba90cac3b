#include <catch2/catch.hpp>

#include "agent/sync/backoff.hpp"

using namespace std::chrono_literals;

TEST_CASE("backoff: doubles from the initial delay up to the maximum, within the jitter") {
  flecto::Backoff backoff(1s, 60s, 0.1, 42);
  std::chrono::milliseconds base = 1s;
  for (int i = 0; i < 12; ++i) {
    auto d = backoff.next();
    CHECK(d >= base * 9 / 10);
    CHECK(d <= std::min<std::chrono::milliseconds>(base * 11 / 10, 60s));
    base = std::min<std::chrono::milliseconds>(base * 2, 60s);
  }
  CHECK(backoff.failures() == 12);
  backoff.reset();
  CHECK(backoff.failures() == 0);
  auto d = backoff.next();
  CHECK(d >= 900ms);
  CHECK(d <= 1100ms);
}

TEST_CASE("backoff: without jitter the sequence is exact, and many failures never overflow") {
  flecto::Backoff backoff(1s, 5min, 0.0, 1);
  CHECK(backoff.next() == 1s);
  CHECK(backoff.next() == 2s);
  CHECK(backoff.next() == 4s);
  for (int i = 0; i < 200; ++i) backoff.next();
  CHECK(backoff.next() == 5min);
}

TEST_CASE("backoff: a maximum below the initial delay is raised to it") {
  flecto::Backoff backoff(1s, 10ms, 0.0, 1);
  CHECK(backoff.next() == 1s);
  CHECK(backoff.next() == 1s);
}

TEST_CASE("backoff: the interval gets ±10% jitter, and varies") {
  flecto::Backoff backoff(1s, 5min, 0.1, 7);
  std::chrono::milliseconds low = 1h, high = 0ms;
  for (int i = 0; i < 200; ++i) {
    auto d = backoff.jittered_interval(5min);
    low = std::min(low, d);
    high = std::max(high, d);
  }
  CHECK(low >= 270s);
  CHECK(high <= 330s);
  CHECK(low < high);
}
