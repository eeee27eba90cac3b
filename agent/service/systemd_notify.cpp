#include "agent/service/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <time.h>

#include <string>

namespace flecto {

namespace {

bool send(std::string message, std::string_view status) {
  if (!status.empty()) {
    message += "STATUS=";
    // One line: a line break would start another assignment.
    for (const char c : status) message += (c == '\n' || c == '\r') ? ' ' : c;
    message += '\n';
  }
  return sd_notify(0, message.c_str()) > 0;
}

}  // namespace

bool notify_ready(std::string_view status) { return send("READY=1\n", status); }
bool notify_status(std::string_view status) { return send("", status); }
bool notify_reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
  return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\n", {});
}
bool notify_stopping() { return send("STOPPING=1\n", {}); }
bool notify_watchdog() { return send("WATCHDOG=1\n", {}); }

}  // namespace flecto
