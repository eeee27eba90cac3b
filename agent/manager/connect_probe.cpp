#include "agent/manager/connect_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// A non-blocking connect to host:port bounded by `timeout`; -1 on failure.
int connect_to(const std::string& host, int port, std::chrono::milliseconds timeout, std::string& problem) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || !found) {
    problem = "cannot resolve its host";
    return -1;
  }
  const auto deadline = Clock::now() + timeout;
  int fd = -1;
  problem = "cannot connect";
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      bool connected = false;
      if (errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, millis_left(deadline)) == 1) {
          int error = 0;
          socklen_t length = sizeof error;
          connected = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
        } else {
          problem = "connect timed out";
        }
      }
      if (!connected) {
        ::close(fd);
        fd = -1;
      }
    }
  }
  freeaddrinfo(found);
  return fd;
}

std::string base64(const std::string& in) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kDigits[(v >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += kDigits[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

ConnectAnswer probe_connect(const Proxy& proxy, const std::string& host, int port,
                            std::chrono::milliseconds connect_timeout, std::chrono::milliseconds read_timeout) {
  ConnectAnswer answer;
  const int fd = connect_to(proxy.host, proxy.port, connect_timeout, answer.problem);
  if (fd < 0) return answer;

  const std::string authority = host + ":" + std::to_string(port);
  std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!proxy.username.empty() || !proxy.password.empty()) {
    request += "Proxy-Authorization: Basic " + base64(proxy.username + ":" + proxy.password) + "\r\n";
  }
  request += "\r\n";
  const auto deadline = Clock::now() + read_timeout;
  std::size_t sent = 0;
  while (sent < request.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, millis_left(deadline)) != 1) break;
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string line;
  if (sent == request.size()) {
    char buffer[512];
    while (line.find("\r\n") == std::string::npos && line.size() < 1024) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, millis_left(deadline)) != 1) break;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const std::size_t end = line.find("\r\n");
  // "HTTP/1.1 403 Access violation"
  if (end == std::string::npos || line.rfind("HTTP/1.", 0) != 0 || end < 12) {
    answer.problem =
        sent == request.size() ? "no answer to CONNECT (timed out or closed)" : "sending CONNECT failed";
    return answer;
  }
  const std::string code = line.substr(9, 3);
  if (code.find_first_not_of("0123456789") != std::string::npos) {
    answer.problem = "a malformed answer to CONNECT";
    return answer;
  }
  answer.reached = true;
  answer.status = std::stoi(code);
  const std::size_t reason_at = std::min<std::size_t>(13, end);
  answer.reason = line.substr(reason_at, std::min<std::size_t>(end - reason_at, 100));
  return answer;
}

}  // namespace flecto
