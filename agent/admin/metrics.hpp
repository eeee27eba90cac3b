// The agent's metrics, rendered in the Prometheus text format (version 0.0.4)
// for GET /metrics on the admin listener. Every name starts with flecto_agent_.
//
// Request counters and the duration histogram are written by the edge
// server's threads on every request: record_request() takes no lock and
// spreads its writes over cache-line-sized shards, so that threads do not
// contend on one counter. Everything else (table version, rule counts, syncs)
// is read at render time from the table being served and the SyncState, so
// it can never disagree with /status.
//
//   flecto::Metrics metrics;
//   metrics.record_request(flecto::RequestOutcome::kRedirect, 301, elapsed);
//   std::string text = metrics.render(served.current().get(), sync.get());

#ifndef FLECTO_AGENT_ADMIN_METRICS_HPP_
#define FLECTO_AGENT_ADMIN_METRICS_HPP_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/sync/status.hpp"
#include "matcher/table.hpp"

namespace flecto {

// What the edge server did with a request (label outcome="...").
enum class RequestOutcome : std::uint8_t {
  kRedirect,  // a redirect rule matched ("redirect")
  kPage,      // a page matched, including 405 for other methods ("page")
  kMiss,      // nothing matched: 404 ("miss")
  kRejected,  // answered by the listener itself: malformed request, a limit,
              // a timeout, or no table served yet ("rejected")
};
inline constexpr std::size_t kRequestOutcomeCount = 4;

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts one answered request. `status` is the HTTP status sent; codes the
  // edge server does not send are counted under code="other". Lock-free.
  void record_request(RequestOutcome outcome, int status, std::chrono::nanoseconds duration);

  // The whole exposition. `table` is the table being served (null before the
  // first one); `sync` a snapshot of the sync state.
  std::string render(const Table* table, const SyncState& sync) const;

  // Upper bounds of the request duration histogram, in seconds (+Inf aside).
  static constexpr std::array<double, 14> kDurationBuckets = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
      0.0025,  0.005,    0.01,    0.025,  0.1,     0.5,    1.0};
  // The status codes counted with their own label; others go to "other".
  static constexpr std::array<int, 15> kStatusCodes = {
      200, 301, 302, 307, 308, 400, 404, 405, 408, 413, 414, 431, 501, 503, 505};

 private:
  static constexpr std::size_t kShards = 8;
  static constexpr std::size_t kStatusSlots = kStatusCodes.size() + 1;  // + "other"

  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, kRequestOutcomeCount * kStatusSlots> requests{};
    std::array<std::atomic<std::uint64_t>, kDurationBuckets.size() + 1> buckets{};  // + +Inf
    std::atomic<std::uint64_t> duration_sum_ns{0};
  };

  Shard& my_shard();

  std::unique_ptr<Shard[]> shards_;
  std::array<std::uint64_t, kDurationBuckets.size()> bucket_bounds_ns_{};
};

}  // namespace flecto

#endif  // FLECTO_AGENT_ADMIN_METRICS_HPP_
