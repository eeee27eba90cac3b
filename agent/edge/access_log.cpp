#include "agent/edge/access_log.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>

namespace flecto {
namespace {

void append_logged(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += byte;
    }
  }
}

}  // namespace

std::string access_log_line(std::string_view peer, const EdgeRequest* request, int status,
                            std::chrono::nanoseconds took) {
  std::string line = "access ";
  line += peer;
  line += " \"";
  if (request) {
    append_logged(line, request->method);
    line += ' ';
    append_logged(line, request->target);
    line += request->http10 ? " HTTP/1.0" : " HTTP/1.1";
  } else {
    line += '-';
  }
  line += "\" ";
  line += std::to_string(status);
  line += " host=\"";
  if (request) append_logged(line, request->host);
  char ms[32];
  std::snprintf(ms, sizeof ms, "\" %.3fms", static_cast<double>(took.count()) / 1e6);
  line += ms;
  return line;
}

std::string peer_address(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "-";
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    if (::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text)) return text;
  } else if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text)) return "[" + std::string(text) + "]";
  }
  return "-";
}

}  // namespace flecto
