// Telling systemd how the service is doing (sd_notify(3), libsystemd).
//
// Every function is a no-op returning false when the process was not started
// by systemd with a notification socket (NOTIFY_SOCKET unset), so the daemon
// calls them unconditionally. They never throw.
//
//   flecto::notify_ready("serving");   // Type=notify: start-up done
//   flecto::notify_status("serving version 42 (1,204 rules), last sync ok 3 min ago");
//   for (;;) { ...; flecto::notify_watchdog(); }   // at least every WatchdogSec
//   flecto::notify_stopping();
//
// The caller decides when the watchdog is fed (the daemon feeds it only while
// its sync loop shows it is alive: agent/daemon.cpp).

#ifndef FLECTO_AGENT_SERVICE_SYSTEMD_NOTIFY_HPP_
#define FLECTO_AGENT_SERVICE_SYSTEMD_NOTIFY_HPP_

#include <string_view>

namespace flecto {

// READY=1 (and STATUS=<status> when not empty, on one line: line breaks
// become spaces): start-up is finished.
bool notify_ready(std::string_view status = {});
// STATUS=<status> alone: what `systemctl status` shows from now on.
bool notify_status(std::string_view status);
// RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC now> (as systemd's
// Type=notify-reload expects): a configuration reload began; READY=1 ends it.
bool notify_reloading();
// STOPPING=1: shutdown began.
bool notify_stopping();
// WATCHDOG=1: the main loop is alive.
bool notify_watchdog();

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_SYSTEMD_NOTIFY_HPP_
