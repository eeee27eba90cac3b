// A real HTTP proxy for the tests: Debian's tinyproxy, started in the
// foreground on a free loopback port with its own configuration file and
// log in a temporary directory. The test FAILS (it is not skipped) when
// tinyproxy is not installed: scripts/install-deps.sh installs it.

#ifndef FLECTO_TESTS_AGENT_MANAGER_TINYPROXY_HPP_
#define FLECTO_TESTS_AGENT_MANAGER_TINYPROXY_HPP_

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace flecto::test {

inline constexpr const char* kTinyproxy = "/usr/bin/tinyproxy";

// A loopback port nobody listens on right now (tinyproxy cannot take port 0).
inline int free_loopback_port() {
  const int sock = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(sock);
  return ntohs(address.sin_port);
}

inline bool accepts_connections(int port) {
  const int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(sock);
  return ok;
}

// A port that refuses connections while this object lives: bound, never
// listening (a freed port could go to a parallel test).
class ClosedPort {
 public:
  ClosedPort() {
    sock_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(sock_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(sock_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(sock_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~ClosedPort() { close(sock_); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int sock_ = -1;
  int port_ = 0;
};

struct TinyproxyOptions {
  // Ports CONNECT may reach; empty: every port (tinyproxy's default).
  std::vector<int> connect_ports;
  // Both set: the proxy wants these credentials (BasicAuth).
  std::string user, password;
};

class Tinyproxy {
 public:
  explicit Tinyproxy(TinyproxyOptions options = {}) {
    if (!std::filesystem::exists(kTinyproxy)) {
      FAIL("tinyproxy is not installed (" << kTinyproxy
                                          << "): the proxy tests need it; apt-get install tinyproxy, "
                                             "as scripts/install-deps.sh does");
    }
    // The free port may be taken between the look and tinyproxy's bind:
    // try a few.
    for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
      port_ = free_loopback_port();
      std::ostringstream config;
      config << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n"
             << "LogLevel Connect\nLogFile \"" << log_file() << "\"\nDisableViaHeader Yes\n";
      for (int port : options.connect_ports) config << "ConnectPort " << port << "\n";
      if (!options.user.empty()) config << "BasicAuth " << options.user << " " << options.password << "\n";
      const std::string config_file = dir_.write("tinyproxy.conf", config.str());
      auto process = std::make_unique<ChildProcess>(kTinyproxy, std::vector<std::string>{"-d", "-c", config_file});
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (std::chrono::steady_clock::now() < give_up) {
        if (accepts_connections(port_)) {
          process_ = std::move(process);
          break;
        }
        if (process->wait_for_exit(std::chrono::milliseconds(20))) break;  // the port was taken
      }
    }
    REQUIRE(process_);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The log's request lines ("GET http://... HTTP/1.1", "CONNECT host:port HTTP/1.1").
  std::vector<std::string> requests() const {
    std::vector<std::string> lines;
    std::ifstream in(log_file());
    for (std::string line; std::getline(in, line);) {
      const std::size_t at = line.find("]: Request (file descriptor ");
      if (at == std::string::npos) continue;
      const std::size_t colon = line.find("): ", at);
      if (colon != std::string::npos) lines.push_back(line.substr(colon + 3));
    }
    return lines;
  }
  std::string log() const {
    std::ifstream in(log_file());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string log_file() const { return dir_ / "tinyproxy.log"; }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_MANAGER_TINYPROXY_HPP_
