#include "agent/admin/metrics.hpp"

#include <algorithm>
#include <cstdio>

#include "agent/version.hpp"

namespace flecto {

namespace {

constexpr const char* kOutcomeNames[kRequestOutcomeCount] = {"redirect", "page", "miss",
                                                             "rejected"};

std::size_t status_slot(int status) {
  const auto& codes = Metrics::kStatusCodes;
  const auto it = std::find(codes.begin(), codes.end(), status);
  return static_cast<std::size_t>(it - codes.begin());  // codes.size() is "other"
}

// A sample value as Prometheus reads it: integers in full (counters can pass
// 1e9), others in %.9g.
std::string number(double value) {
  char buf[64];
  if (value == static_cast<double>(static_cast<std::int64_t>(value)) && value < 9e15 && value > -9e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", value);
  }
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, const std::string& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += number(value);
  out += '\n';
}

double seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

Metrics::Metrics() : shards_(new Shard[kShards]) {
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    bucket_bounds_ns_[i] = static_cast<std::uint64_t>(kDurationBuckets[i] * 1e9 + 0.5);
  }
}

Metrics::Shard& Metrics::my_shard() {
  // Each thread keeps to one shard, picked round-robin when it first records.
  static std::atomic<std::size_t> next_shard{0};
  thread_local const std::size_t shard = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shards_[shard];
}

void Metrics::record_request(RequestOutcome outcome, int status,
                             std::chrono::nanoseconds duration) {
  Shard& shard = my_shard();
  const auto index = static_cast<std::size_t>(outcome) * kStatusSlots + status_slot(status);
  shard.requests[index].fetch_add(1, std::memory_order_relaxed);
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bucket_bounds_ns_.begin(), bucket_bounds_ns_.end(), ns) -
      bucket_bounds_ns_.begin());
  shard.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  shard.duration_sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

std::string Metrics::render(const Table* table, const SyncState& sync) const {
  std::string out;
  out.reserve(8192);

  header(out, "flecto_agent_build_info", "gauge", "The agent's version.");
  sample(out, "flecto_agent_build_info", "version=\"" FLECTO_AGENT_VERSION "\"", 1);

  header(out, "flecto_agent_table_loaded", "gauge",
         "1 once a rule table is being served, 0 before.");
  sample(out, "flecto_agent_table_loaded", "", table ? 1 : 0);

  header(out, "flecto_agent_loaded_version", "gauge",
         "Version of the project's rules being served (0: none).");
  sample(out, "flecto_agent_loaded_version", "", table ? static_cast<double>(table->version()) : 0);

  const TableStats stats = table ? table->stats() : TableStats{};
  header(out, "flecto_agent_rules_loaded", "gauge", "Rules in the table being served, by kind and type.");
  const std::pair<const char*, std::size_t> counts[] = {
      {"kind=\"redirect\",type=\"BASIC\"", stats.basic},
      {"kind=\"redirect\",type=\"BASIC_HOST\"", stats.basic_host},
      {"kind=\"redirect\",type=\"REGEX\"", stats.regex},
      {"kind=\"redirect\",type=\"REGEX_HOST\"", stats.regex_host},
      {"kind=\"page\",type=\"BASIC\"", stats.pages_basic},
      {"kind=\"page\",type=\"BASIC_HOST\"", stats.pages_basic_host},
  };
  for (const auto& [labels, count] : counts) {
    sample(out, "flecto_agent_rules_loaded", labels, static_cast<double>(count));
  }
  header(out, "flecto_agent_rules_skipped", "gauge",
         "Rules of the served version left out as invalid.");
  sample(out, "flecto_agent_rules_skipped", "", static_cast<double>(stats.skipped));

  header(out, "flecto_agent_table_memory_bytes", "gauge", "Heap memory held by the table being served.");
  sample(out, "flecto_agent_table_memory_bytes", "", static_cast<double>(stats.memory_bytes));

  header(out, "flecto_agent_syncs_total", "counter", "Sync attempts since start, by result.");
  sample(out, "flecto_agent_syncs_total", "result=\"success\"", static_cast<double>(sync.syncs_success));
  sample(out, "flecto_agent_syncs_total", "result=\"unchanged\"",
         static_cast<double>(sync.syncs_unchanged));
  sample(out, "flecto_agent_syncs_total", "result=\"error\"", static_cast<double>(sync.syncs_error));

  header(out, "flecto_agent_snapshot_write_errors_total", "counter",
         "Failed writes of the snapshot file since start.");
  sample(out, "flecto_agent_snapshot_write_errors_total", "",
         static_cast<double>(sync.snapshot_write_errors));

  header(out, "flecto_agent_last_success_sync_timestamp_seconds", "gauge",
         "Unix time of the last sync that swapped a table in (0: never).");
  sample(out, "flecto_agent_last_success_sync_timestamp_seconds", "",
         sync.last_success_time ? seconds_since_epoch(*sync.last_success_time) : 0);

  header(out, "flecto_agent_last_load_duration_seconds", "gauge",
         "Time the last load (fetch and build) took.");
  sample(out, "flecto_agent_last_load_duration_seconds", "",
         std::chrono::duration<double>(sync.last_load_duration).count());

  // Sum the shards once; readers see each counter at some recent value.
  std::array<std::uint64_t, kRequestOutcomeCount * kStatusSlots> requests{};
  std::array<std::uint64_t, kDurationBuckets.size() + 1> buckets{};
  std::uint64_t sum_ns = 0;
  for (std::size_t s = 0; s < kShards; ++s) {
    const Shard& shard = shards_[s];
    for (std::size_t i = 0; i < requests.size(); ++i) {
      requests[i] += shard.requests[i].load(std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      buckets[i] += shard.buckets[i].load(std::memory_order_relaxed);
    }
    sum_ns += shard.duration_sum_ns.load(std::memory_order_relaxed);
  }

  header(out, "flecto_agent_requests_total", "counter",
         "Requests answered by the edge listener, by outcome and status code.");
  for (std::size_t o = 0; o < kRequestOutcomeCount; ++o) {
    for (std::size_t c = 0; c < kStatusSlots; ++c) {
      const std::uint64_t n = requests[o * kStatusSlots + c];
      // Pairs that never happen (a page answered 301) stay out; the usual
      // ones are always there so that rates start from zero.
      const bool usual = (o == 0 && c >= 1 && c <= 4) || (o == 1 && (c == 0 || c == 7)) ||
                         (o == 2 && c == 6);
      if (n == 0 && !usual) continue;
      const std::string code = c < kStatusCodes.size() ? std::to_string(kStatusCodes[c]) : "other";
      sample(out, "flecto_agent_requests_total",
             std::string("outcome=\"") + kOutcomeNames[o] + "\",code=\"" + code + "\"",
             static_cast<double>(n));
    }
  }

  header(out, "flecto_agent_request_duration_seconds", "histogram",
         "Time from a complete request head to its answer being queued.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    cumulative += buckets[i];
    sample(out, "flecto_agent_request_duration_seconds_bucket",
           "le=\"" + number(kDurationBuckets[i]) + "\"", static_cast<double>(cumulative));
  }
  cumulative += buckets.back();
  sample(out, "flecto_agent_request_duration_seconds_bucket", "le=\"+Inf\"",
         static_cast<double>(cumulative));
  sample(out, "flecto_agent_request_duration_seconds_sum", "", static_cast<double>(sum_ns) / 1e9);
  sample(out, "flecto_agent_request_duration_seconds_count", "", static_cast<double>(cumulative));
  return out;
}

}  // namespace flecto
