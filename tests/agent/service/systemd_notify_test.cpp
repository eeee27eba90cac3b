// sd_notify messages, received on a notification socket of our own.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <fstream>

#include "agent/service/systemd_notify.hpp"
#include "support/agent_process.hpp"
#include "support/temp_dir.hpp"

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
  CHECK_FALSE(notify_ready("x"));
  CHECK_FALSE(notify_stopping());
  CHECK_FALSE(notify_watchdog());
}

TEST_CASE("systemd_notify: READY with STATUS, STOPPING, WATCHDOG", "[notify]") {
  NotifySocket socket;
  CHECK(notify_ready("serving version 3"));
  CHECK(socket.receive() == "READY=1\nSTATUS=serving version 3\n");
  CHECK(notify_ready());
  CHECK(socket.receive() == "READY=1\n");
  CHECK(notify_stopping());
  CHECK(socket.receive() == "STOPPING=1\n");
  CHECK(notify_watchdog());
  CHECK(socket.receive() == "WATCHDOG=1\n");
}

TEST_CASE("systemd_notify: a status is sent on one line", "[notify]") {
  NotifySocket socket;
  CHECK(notify_ready("two\nlines\rhere"));
  CHECK(socket.receive() == "READY=1\nSTATUS=two lines here\n");
}

TEST_CASE("systemd_notify: STATUS alone", "[notify]") {
  NotifySocket socket;
  CHECK(notify_status("serving version 3 (1 rule)\nlast sync ok"));
  CHECK(socket.receive() == "STATUS=serving version 3 (1 rule) last sync ok\n");
}

// The real daemon under a notification socket: READY=1 comes with a STATUS=
// that says what is served, not just "serving".
TEST_CASE("systemd_notify: the daemon's STATUS says what it serves", "[notify]") {
  flecto::test::TempDir dir;
  const std::string rules = dir.path() + "/rules.json";
  std::ofstream(rules) << R"({"version": 12, "redirects": [{"type": "BASIC", "source": "/a", )"
                          R"("target": "/b", "status": "FOUND"}], "pages": []})";
  NotifySocket socket;  // the agent inherits NOTIFY_SOCKET
  flecto::test::AgentProcess agent;
  agent.start({"--rules", rules}, "info");
  std::string ready;
  for (int i = 0; i < 10 && ready.find("READY=1") == std::string::npos; ++i) ready = socket.receive();
  CHECK(ready == "READY=1\nSTATUS=serving version 12 (1 rule) from the rules file\n");
}
