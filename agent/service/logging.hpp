// The agent's log: one line per event on standard error, through spdlog.

#ifndef FLECTO_AGENT_SERVICE_LOGGING_HPP_
#define FLECTO_AGENT_SERVICE_LOGGING_HPP_

#include <string>

namespace flecto {

// Sets spdlog's default logger to standard error at `level` (trace, debug,
// info, warn, error, critical, off). Under systemd (JOURNAL_STREAM set), the
// time stamp is left to the journal.
void setup_logging(const std::string& level);

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_LOGGING_HPP_
