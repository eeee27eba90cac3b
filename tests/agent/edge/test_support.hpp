// Helpers for the edge and admin tests: a raw HTTP/1.1 client over a real
// loopback socket (so that malformed requests can be sent as they are) and
// a running edge server over a small table.

#ifndef FLECTO_TESTS_AGENT_EDGE_TEST_SUPPORT_HPP_
#define FLECTO_TESTS_AGENT_EDGE_TEST_SUPPORT_HPP_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "agent/projects/request_counters.hpp"
#include "agent/edge/server.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/rules/served_table.hpp"
#include "matcher/table.hpp"

namespace flecto::test {

// A response as read off the wire.
struct RawResponse {
  int status = 0;
  std::string status_line;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_header(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
};

// One TCP connection to 127.0.0.1:port. Reads wait at most `patience` (a
// safety net against a hung test, not a timing assertion).
class RawClient {
 public:
  explicit RawClient(std::uint16_t port,
                     std::chrono::milliseconds patience = std::chrono::seconds(20))
      : patience_(patience) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Sends all of `bytes`; false if the server closed the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Reads one response; `head_request` when it answers HEAD (no body).
  // std::nullopt when the connection closed (or stayed silent) first.
  std::optional<RawResponse> read_response(bool head_request = false) {
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    RawResponse response;
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    std::size_t pos = head.find("\r\n");
    response.status_line = head.substr(0, pos);
    if (response.status_line.size() < 12) return std::nullopt;
    response.status = std::stoi(response.status_line.substr(9, 3));
    while (pos != std::string::npos && pos < head.size()) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string line = head.substr(start, pos == std::string::npos ? pos : pos - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers.emplace(name, value);
    }
    const std::size_t length =
        head_request || !response.has_header("content-length")
            ? 0
            : std::stoul(response.header("content-length"));
    while (buffer_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  // Everything the server sends until it closes the connection (or stays
  // silent for `patience`), as raw bytes, what was buffered included.
  std::string read_until_closed() {
    while (fill()) {
    }
    return std::exchange(buffer_, std::string());
  }

  // True when the server closed the connection (reads EOF or a reset)
  // before `patience`; extra bytes are dropped.
  bool closed_by_server() {
    while (fill()) buffer_.clear();
    return eof_;
  }

 private:
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(patience_.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::chrono::milliseconds patience_;
  std::string buffer_;
  bool eof_ = false;
};

// Sends `request` on a new connection and reads one response.
inline std::optional<RawResponse> round_trip(std::uint16_t port, std::string_view request,
                                           bool head_request = false) {
  RawClient client(port);
  if (!client.send(request)) return std::nullopt;
  return client.read_response(head_request);
}

// "METHOD target HTTP/1.1" with Host, as a client would send it.
inline std::string request(std::string_view method, std::string_view target,
                           std::string_view host = "example.com",
                           std::string_view extra_headers = "") {
  std::string r;
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append("\r\n").append(extra_headers).append("\r\n");
  return r;
}

inline std::shared_ptr<const Table> build_table(const Rules& rules) {
  return Table::build(rules).table;
}

inline Redirect redirect(std::string type, std::string source, std::string target,
                         std::string status = "MOVED_PERMANENT") {
  return Redirect{std::move(type), std::move(source), std::move(target), std::move(status)};
}

inline Page page(std::string type, std::string path, std::string content,
                 std::string content_type = "TEXT_PLAIN") {
  return Page{std::move(type), std::move(path), std::move(content), std::move(content_type)};
}

// An edge server on 127.0.0.1, a free port, serving one project (every
// host goes to it) with its table holder and counters.
struct RunningEdge {
  explicit RunningEdge(EdgeOptions options = {})
      : project(std::make_shared<ServedProject>(ProjectIdentity{"test-ns/test-project", "", "test-ns",
                                                                "test-project", "", ""})),
        served(project->served),
        counters(project->counters),
        server(projects, unrouted, std::move(options)) {
    projects.swap_in(single_project_routing(project));
    server.start(ListenAddress{"127.0.0.1", 0});
  }
  std::uint16_t port() const { return server.port(); }

  ServedProjects projects;
  RequestCounters unrouted;  // refused requests
  std::shared_ptr<ServedProject> project;
  ServedTable& served;
  RequestCounters& counters;  // the project's answers
  EdgeServer server;
};

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_EDGE_TEST_SUPPORT_HPP_
