#include "agent/projects/request_counters.hpp"

#include <algorithm>

namespace flecto {

std::string_view to_string(RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::kRedirect: return "redirect";
    case RequestOutcome::kPage: return "page";
    case RequestOutcome::kMiss: return "miss";
    case RequestOutcome::kRejected: return "rejected";
  }
  return "rejected";
}

std::size_t RequestCounts::slot(RequestOutcome outcome, std::optional<int> status) {
  const auto& codes = kCountedStatusCodes;
  const auto code = status ? std::find(codes.begin(), codes.end(), *status) : codes.end();
  // codes.size() is "other".
  return static_cast<std::size_t>(outcome) * kStatusSlots +
         static_cast<std::size_t>(code - codes.begin());
}

std::uint64_t RequestCounts::answered(RequestOutcome outcome, std::optional<int> status) const {
  return answered_[slot(outcome, status)];
}

RequestCounters::RequestCounters() : shards_(new Shard[kShards]) {
  for (std::size_t i = 0; i < kRequestDurationBuckets.size(); ++i) {
    bucket_bounds_ns_[i] = static_cast<std::uint64_t>(kRequestDurationBuckets[i] * 1e9 + 0.5);
  }
}

RequestCounters::Shard& RequestCounters::my_shard() {
  // Each thread keeps to one shard, picked round-robin when it first records.
  static std::atomic<std::size_t> next_shard{0};
  thread_local const std::size_t shard = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shards_[shard];
}

void RequestCounters::record(RequestOutcome outcome, int status, std::chrono::nanoseconds duration) {
  Shard& shard = my_shard();
  shard.answered[RequestCounts::slot(outcome, status)].fetch_add(1, std::memory_order_relaxed);
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bucket_bounds_ns_.begin(), bucket_bounds_ns_.end(), ns) -
      bucket_bounds_ns_.begin());
  shard.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  shard.duration_sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

RequestCounts& RequestCounts::operator+=(const RequestCounts& other) {
  for (std::size_t i = 0; i < answered_.size(); ++i) answered_[i] += other.answered_[i];
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  sum_ns_ += other.sum_ns_;
  return *this;
}

RequestCounts RequestCounters::counts() const {
  RequestCounts sum;
  for (std::size_t s = 0; s < kShards; ++s) {
    const Shard& shard = shards_[s];
    for (std::size_t i = 0; i < sum.answered_.size(); ++i) {
      sum.answered_[i] += shard.answered[i].load(std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < sum.buckets_.size(); ++i) {
      sum.buckets_[i] += shard.buckets[i].load(std::memory_order_relaxed);
    }
    sum.sum_ns_ += shard.duration_sum_ns.load(std::memory_order_relaxed);
  }
  return sum;
}

}  // namespace flecto
