// Starting a cpp-httplib server on a configured address, for the listeners
// served with cpp-httplib (the admin port, the relay).
//
//   server.set_read_timeout(...);  route(server);
//   port_ = flecto::listen_in_thread(server, address, thread_, "relay: ");
//   ...
//   server.stop(); thread_.join();
//
// The socket gets SO_REUSEADDR and not httplib's default SO_REUSEPORT,
// which would let a second agent bind the same port silently: a port in use
// must be an error.

#ifndef FLECTO_AGENT_SERVICE_HTTP_LISTENER_HPP_
#define FLECTO_AGENT_SERVICE_HTTP_LISTENER_HPP_

#include <cstdint>
#include <string_view>
#include <thread>

#include <httplib.h>

#include "agent/config/listen_address.hpp"

namespace flecto {

// Binds `server` to `address` (port 0: any free port), starts it on
// `thread` and returns once it accepts (a stop() before that would be
// lost), with the port bound. Throws std::runtime_error "<what>cannot
// listen on <address> (...)" when it cannot bind; `thread` is then untouched.
std::uint16_t listen_in_thread(httplib::Server& server, const ListenAddress& address, std::thread& thread,
                               std::string_view what = "");

}  // namespace flecto

#endif  // FLECTO_AGENT_SERVICE_HTTP_LISTENER_HPP_
