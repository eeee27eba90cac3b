// sd_notify messages, received on a notification socket of our own.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "agent/service/systemd_notify.hpp"

using namespace flecto;

namespace {

// A datagram socket at a fresh path, exported as NOTIFY_SOCKET.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = std::filesystem::temp_directory_path() /
            ("flecto-notify-" + std::to_string(::getpid()) + ".sock");
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{5, 0};  // a safety net against a hung test
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("systemd_notify: no-ops without NOTIFY_SOCKET", "[notify]") {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  CHECK_FALSE(notify_ready("x"));
  CHECK_FALSE(notify_stopping());
  CHECK_FALSE(notify_watchdog());
  WatchdogFeeder feeder;
  CHECK_FALSE(feeder.enabled());
  CHECK_FALSE(feeder.feed_if_due());
}

TEST_CASE("systemd_notify: READY, STATUS, RELOADING, STOPPING, WATCHDOG", "[notify]") {
  NotifySocket socket;
  CHECK(notify_ready("serving version 3"));
  CHECK(socket.receive() == "READY=1\nSTATUS=serving version 3\n");
  CHECK(notify_status("two\nlines"));
  CHECK(socket.receive() == "STATUS=two lines\n");
  CHECK(notify_reloading());
  CHECK(socket.receive() == "RELOADING=1\n");
  CHECK(notify_stopping());
  CHECK(socket.receive() == "STOPPING=1\n");
  CHECK(notify_watchdog());
  CHECK(socket.receive() == "WATCHDOG=1\n");
}

TEST_CASE("systemd_notify: the watchdog is fed at half its period", "[notify]") {
  NotifySocket socket;
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  WatchdogFeeder feeder;
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  REQUIRE(feeder.enabled());
  CHECK(feeder.interval() == std::chrono::seconds(15));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(feeder.feed_if_due(t0));
  CHECK(socket.receive() == "WATCHDOG=1\n");
  CHECK_FALSE(feeder.feed_if_due(t0 + std::chrono::seconds(14)));
  CHECK(feeder.feed_if_due(t0 + std::chrono::seconds(15)));
  CHECK(socket.receive() == "WATCHDOG=1\n");
}
