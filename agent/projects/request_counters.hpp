// What the edge listener counts: every answered request by outcome and
// status code, and how long it took from a complete head to the queued
// answer. The admin listener renders these (agent/admin/metrics.hpp).
//
// record() is called by the edge server's threads on every request: it
// takes no lock and spreads its writes over cache-line-sized shards, so
// that threads do not contend on one counter. counts() sums the shards; a
// reader sees each counter at some recent value.
//
//   flecto::RequestCounters counters;
//   counters.record(flecto::RequestOutcome::kRedirect, 301, elapsed);
//   flecto::RequestCounts now = counters.counts();
//   now.answered(flecto::RequestOutcome::kRedirect, 301);  // 1

#ifndef FLECTO_AGENT_PROJECTS_REQUEST_COUNTERS_HPP_
#define FLECTO_AGENT_PROJECTS_REQUEST_COUNTERS_HPP_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace flecto {

// What the edge server did with a request.
enum class RequestOutcome : std::uint8_t {
  kRedirect,  // a redirect rule matched
  kPage,      // a page matched, including 405 for other methods
  kMiss,      // nothing matched: 404
  kRejected,  // answered by the listener itself: malformed request, a limit,
              // a timeout, or no table served yet
};
inline constexpr std::array<RequestOutcome, 4> kRequestOutcomes = {
    RequestOutcome::kRedirect, RequestOutcome::kPage, RequestOutcome::kMiss,
    RequestOutcome::kRejected};

// "redirect", "page", "miss", "rejected".
std::string_view to_string(RequestOutcome outcome);

// The status codes counted on their own; any other code is counted as
// "other" (std::nullopt below).
inline constexpr std::array<int, 15> kCountedStatusCodes = {
    200, 301, 302, 307, 308, 400, 404, 405, 408, 413, 414, 431, 501, 503, 505};

// Upper bounds of the request duration histogram, in seconds (+Inf aside).
inline constexpr std::array<double, 14> kRequestDurationBuckets = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
    0.0025,  0.005,    0.01,    0.025,  0.1,     0.5,    1.0};

// The counters summed at one moment.
class RequestCounts {
 public:
  // Requests answered with `outcome` and `status`; std::nullopt: with a
  // status not in kCountedStatusCodes.
  std::uint64_t answered(RequestOutcome outcome, std::optional<int> status) const;

  // Requests that took at most kRequestDurationBuckets[i] (not cumulative:
  // those of the bucket alone); i == kRequestDurationBuckets.size() counts
  // those above the last bound.
  std::uint64_t in_duration_bucket(std::size_t i) const { return buckets_[i]; }
  std::uint64_t duration_sum_ns() const { return sum_ns_; }

  // Adds `other`'s counts to these (the listener's total over projects).
  RequestCounts& operator+=(const RequestCounts& other);

 private:
  friend class RequestCounters;
  static constexpr std::size_t kStatusSlots = kCountedStatusCodes.size() + 1;  // + "other"
  static constexpr std::size_t kSlots = kRequestOutcomes.size() * kStatusSlots;
  static std::size_t slot(RequestOutcome outcome, std::optional<int> status);

  std::array<std::uint64_t, kSlots> answered_{};
  std::array<std::uint64_t, kRequestDurationBuckets.size() + 1> buckets_{};
  std::uint64_t sum_ns_ = 0;
};

class RequestCounters {
 public:
  RequestCounters();
  RequestCounters(const RequestCounters&) = delete;
  RequestCounters& operator=(const RequestCounters&) = delete;

  // Counts one answered request. `status` is the HTTP status sent. Lock-free.
  void record(RequestOutcome outcome, int status, std::chrono::nanoseconds duration);

  RequestCounts counts() const;

 private:
  static constexpr std::size_t kShards = 8;

  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, RequestCounts::kSlots> answered{};
    std::array<std::atomic<std::uint64_t>, kRequestDurationBuckets.size() + 1> buckets{};
    std::atomic<std::uint64_t> duration_sum_ns{0};
  };

  Shard& my_shard();

  std::unique_ptr<Shard[]> shards_;
  std::array<std::uint64_t, kRequestDurationBuckets.size()> bucket_bounds_ns_{};
};

}  // namespace flecto

#endif  // FLECTO_AGENT_PROJECTS_REQUEST_COUNTERS_HPP_
