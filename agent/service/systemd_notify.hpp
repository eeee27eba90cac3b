// Telling systemd how the service is doing (sd_notify(3), libsystemd).
//
// Every function is a no-op returning false when the process was not started
// by systemd with a notification socket (NOTIFY_SOCKET unset), so the daemon
// calls them unconditionally. They never throw.
//
//   flecto::notify_ready("serving version 12");   // Type=notify: start-up done
//   flecto::WatchdogFeeder watchdog;              // reads WATCHDOG_USEC
//   for (;;) { ...; watchdog.feed_if_due(); }     // call at least every interval()
//   flecto::notify_stopping();

#ifndef FLECTO_AGENT_SERVICE_SYSTEMD_NOTIFY_HPP_
#define FLECTO_AGENT_SERVICE_SYSTEMD_NOTIFY_HPP_

#include <chrono>
#include <string_view>

namespace flecto {

// READY=1 (and STATUS=<status> when not empty): start-up is finished.
bool notify_ready(std::string_view status = {});
// RELOADING=1: a reload (SIGHUP) began; call notify_ready() when it is done.
bool notify_reloading(std::string_view status = {});
// STOPPING=1: shutdown began.
bool notify_stopping();
// STATUS=<status>: one line shown by `systemctl status`.
bool notify_status(std::string_view status);
// WATCHDOG=1: the main loop is alive.
bool notify_watchdog();

// Feeds the service watchdog (WatchdogSec=) at half its period, as
// sd_watchdog_enabled(3) advises.
class WatchdogFeeder {
 public:
  WatchdogFeeder();  // reads WATCHDOG_USEC / WATCHDOG_PID of this process

  bool enabled() const { return interval_.count() > 0; }
  // How often the watchdog must be fed: half of WatchdogSec; 0 when disabled.
  std::chrono::microseconds interval() const { return interval_; }

  // Sends WATCHDOG=1 if interval() has passed since the last one sent. Cheap;
  // call it from the main loop at least every interval(). True when sent.
  bool feed_if_due(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_fed_{};
};

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_SYSTEMD_NOTIFY_HPP_
