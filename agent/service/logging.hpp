// The agent's log: one line per event on standard error, through spdlog.
//
//   flecto::setup_logging("info", flecto::LogFormat::kText);
//   spdlog::error("sync failed: {}", why);
//
// Three shapes of line, chosen at start:
//   text, on a terminal or a file:   2026-12-01T12:03:04.123+00:00 error sync failed: ...
//   text, under systemd:             <3>sync failed: ...
//   json (log_format = "json"):      {"time":"2026-12-01T12:03:04.123Z","level":"error","message":"sync failed: ..."}
// Under systemd (JOURNAL_STREAM set) the line starts with the level's syslog
// priority in angle brackets, which journald reads as the entry's PRIORITY
// and strips (sd-daemon(3)), so `journalctl -p err` finds the errors; the
// time stamp is left to the journal. A json line under systemd carries the
// prefix too, and its time stamp.

#ifndef FLECTO_AGENT_SERVICE_LOGGING_HPP_
#define FLECTO_AGENT_SERVICE_LOGGING_HPP_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

namespace flecto {

enum class LogFormat { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view name);

// The syslog priority of an spdlog level, as sd-daemon(3) prefixes carry it:
// trace and debug 7, info 6, warn 4, error 3, critical 2.
int syslog_priority(spdlog::level::level_enum level);

// The formatter of one log line in `format`; `to_journal` adds the "<N>"
// priority prefix (and drops the text line's time stamp). Every line ends
// with '\n'; a json line is one valid JSON object, whatever the message holds.
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format, bool to_journal);

// Sets spdlog's default logger to standard error at `level` (trace, debug,
// info, warn, error, critical, off) in `format`; the journal prefix when
// JOURNAL_STREAM is set.
void setup_logging(const std::string& level, LogFormat format = LogFormat::kText);

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_LOGGING_HPP_
