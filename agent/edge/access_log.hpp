// The optional access log of the edge listener (access_log = true): one line
// per answer, through the agent's log at info level, for hosts where the
// agent faces clients without nginx in front (nginx keeps its own log).
//
//   access 203.0.113.9 "GET /old?utm=x HTTP/1.1" 301 host="example.com" 0.012ms
//   access [2001:db8::1] "-" 400 host="" 0.001ms       (a refused head)
//
// The request line and the host are written with every byte outside
// printable ASCII, and '"' and '\', as %XX, so a line is always one line
// and cannot be forged by a client. Off, it costs nothing: nothing is
// formatted and the peer is not looked up.

#ifndef FLECTO_AGENT_EDGE_ACCESS_LOG_HPP_
#define FLECTO_AGENT_EDGE_ACCESS_LOG_HPP_

#include <chrono>
#include <string>
#include <string_view>

#include "agent/edge/request.hpp"

namespace flecto {

// The line for `request` (null: a head refused before it was understood)
// answered `status` after `took`, from `peer`.
std::string access_log_line(std::string_view peer, const EdgeRequest* request, int status,
                            std::chrono::nanoseconds took);

// "203.0.113.9" or "[2001:db8::1]" for the connected socket `fd`; "-" when
// it cannot be told.
std::string peer_address(int fd);

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_ACCESS_LOG_HPP_
