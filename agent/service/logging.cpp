#include "agent/service/logging.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace flecto {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("flecto-agent");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  if (std::getenv("JOURNAL_STREAM")) {
    spdlog::set_pattern("<%l> %v");
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  spdlog::flush_on(spdlog::level::trace);
}

}  // namespace flecto
