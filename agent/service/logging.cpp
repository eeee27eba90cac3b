#include "agent/service/logging.hpp"

#include <cstdio>
#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "agent/text/json_string.hpp"

namespace flecto {
namespace {

// "<3>": what journald reads as the line's priority (sd-daemon(3)).
std::string priority_prefix(spdlog::level::level_enum level) {
  return "<" + std::to_string(syslog_priority(level)) + ">";
}

// The "<N>" prefix, as a pattern flag (%*), so the text pattern stays a pattern.
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string prefix = priority_prefix(msg.level);
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PriorityFlag>(); }
};

void append(spdlog::memory_buf_t& dest, std::string_view text) { dest.append(text.data(), text.data() + text.size()); }

// {"time":"...Z","level":"...","message":"..."}, one object per line.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(bool to_journal) : to_journal_(to_journal) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    if (to_journal_) append(dest, priority_prefix(msg.level));
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line = "{\"time\":\"" + utc_time(msg.time) + "\",\"level\":";
    append_json_string(line, std::string_view(level.data(), level.size()));
    line += ",\"message\":";
    append_json_string(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    append(dest, line);
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(to_journal_); }

 private:
  // RFC 3339 in UTC with milliseconds: 2026-12-01T12:03:04.123Z.
  static std::string utc_time(spdlog::log_clock::time_point time) {
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const std::time_t t = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char text[40];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
    return text;
  }

  bool to_journal_;
};

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;
    case spdlog::level::info: return 6;
    case spdlog::level::warn: return 4;
    case spdlog::level::err: return 3;
    case spdlog::level::critical: return 2;
    default: return 6;
  }
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format, bool to_journal) {
  if (format == LogFormat::kJson) return std::make_unique<JsonFormatter>(to_journal);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (to_journal) {
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  return formatter;
}

void setup_logging(const std::string& level, LogFormat format) {
  auto logger = spdlog::stderr_logger_mt("flecto-agent");
  logger->set_formatter(make_log_formatter(format, std::getenv("JOURNAL_STREAM") != nullptr));
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::trace);
}

}  // namespace flecto
