// Asks an HTTP proxy whether it opens a CONNECT tunnel to host:port, on a
// connection of its own that is closed right after the proxy's answer.
//
// Why: cpp-httplib 0.11 (Debian 12) deadlocks for good when a proxy answers
// its CONNECT with an error and "Connection: close" (tinyproxy's 403 for a
// port it does not allow, a 407): ManagerClient asks first, before httplib
// opens a new tunnel, and reports the refusal itself.
//
// Never throws; thread-safe (no shared state). The request carries the
// proxy's credentials as Proxy-Authorization (basic) when it has any; they
// never appear in the answer's fields.

#ifndef FLECTO_AGENT_MANAGER_CONNECT_PROBE_HPP_
#define FLECTO_AGENT_MANAGER_CONNECT_PROBE_HPP_

#include <chrono>
#include <string>

#include "agent/config/proxy.hpp"

namespace flecto {

struct ConnectAnswer {
  bool reached = false;  // the proxy answered with a status line
  int status = 0;        // its status (200: the tunnel was open)
  std::string reason;    // its reason phrase ("Access violation"), at most 100 bytes
  std::string problem;   // when not reached: "cannot connect", "timed out", ...
};

ConnectAnswer probe_connect(const Proxy& proxy, const std::string& host, int port,
                            std::chrono::milliseconds connect_timeout, std::chrono::milliseconds read_timeout);

}  // namespace flecto

#endif  // FLECTO_AGENT_MANAGER_CONNECT_PROBE_HPP_
