#include "agent/service/http_listener.hpp"

#include <sys/socket.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace flecto {

std::uint16_t listen_in_thread(httplib::Server& server, const ListenAddress& address, std::thread& thread,
                               std::string_view what) {
  server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  int port = address.port;
  bool bound;
  if (port == 0) {
    port = server.bind_to_any_port(address.host);
    bound = port > 0;
  } else {
    bound = server.bind_to_port(address.host, port);
  }
  if (!bound) {
    throw std::runtime_error(std::string(what) + "cannot listen on " + address.to_string() +
                             " (address in use, not permitted, or not resolvable)");
  }
  thread = std::thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return static_cast<std::uint16_t>(port);
}

}  // namespace flecto
