// sd_notify messages, received on a notification socket of our own.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fstream>

#include "agent/service/systemd_notify.hpp"
#include "support/agent_process.hpp"
#include "tests/standin_manager/standin_manager.hpp"
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

TEST_CASE("systemd_notify: RELOADING with the monotonic clock's microseconds", "[notify]") {
  NotifySocket socket;
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  CHECK(notify_reloading());
  const std::string message = socket.receive();
  REQUIRE_THAT(message, Catch::StartsWith("RELOADING=1\nMONOTONIC_USEC=") && Catch::EndsWith("\n"));
  const std::string digits = message.substr(std::string("RELOADING=1\nMONOTONIC_USEC=").size());
  const auto usec = std::stoull(digits);
  CHECK(usec >= static_cast<unsigned long long>(before.tv_sec) * 1000000ULL);
  CHECK(digits.find_first_not_of("0123456789\n") == std::string::npos);
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

// A configuration reload under systemd: RELOADING=1 first, READY=1 once it
// is applied (or refused).
TEST_CASE("systemd_notify: the daemon says RELOADING then READY around a reload", "[notify]") {
  flecto::test::TempDir dir;
  const std::string token = dir.path() + "/token", config = dir.path() + "/agent.toml";
  std::ofstream(token) << "test-token\n";
  flecto::standin::StandinManager manager;
  std::ofstream(config) << "manager_url = \"" << manager.url() << "\"\nnamespace_code = \"test-ns\"\n"
                        << "project_code = \"test-project\"\ntoken_file = \"" << token << "\"\n"
                        << "state_dir = \"" << dir.path() << "\"\n";
  NotifySocket socket;
  flecto::test::AgentProcess agent;
  agent.start({"--config", config}, "info");
  std::string message;
  for (int i = 0; i < 10 && message.find("READY=1") == std::string::npos; ++i) message = socket.receive();
  REQUIRE_THAT(message, Catch::StartsWith("READY=1"));
  agent.process->send_signal(SIGHUP);
  std::vector<std::string> after;
  for (int i = 0; i < 10 && (after.empty() || after.back().find("READY=1") == std::string::npos); ++i) {
    after.push_back(socket.receive());
  }
  std::vector<std::string> reload;  // the watchdog's messages left out
  for (const auto& m : after) {
    if (m.starts_with("RELOADING=1") || m.starts_with("READY=1")) reload.push_back(m);
  }
  REQUIRE(reload.size() == 2);
  CHECK_THAT(reload[0], Catch::StartsWith("RELOADING=1\nMONOTONIC_USEC="));
  CHECK(reload[1] == "READY=1\n");
}
