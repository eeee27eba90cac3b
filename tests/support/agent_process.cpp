#include "support/agent_process.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace flecto::test {

using namespace std::chrono_literals;

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::vector<std::string> AgentProcess::listen_args(const std::string& log_level) const {
  return {"--listen",        "127.0.0.1:" + std::to_string(edge_port),
          "--admin-listen",  "127.0.0.1:" + std::to_string(admin_port),
          "--log-level",     log_level};
}

void AgentProcess::start(std::vector<std::string> args, const std::string& log_level) {
  const auto more = listen_args(log_level);
  args.insert(args.end(), more.begin(), more.end());
  process = std::make_unique<ChildProcess>(FLECTO_AGENT_BINARY, args);
}

void AgentProcess::start_after(const std::string& shell_setup, std::vector<std::string> args,
                               const std::string& log_level) {
  const auto more = listen_args(log_level);
  args.insert(args.end(), more.begin(), more.end());
  std::vector<std::string> sh = {"-c", shell_setup + " && exec \"$0\" \"$@\"", FLECTO_AGENT_BINARY};
  sh.insert(sh.end(), args.begin(), args.end());
  process = std::make_unique<ChildProcess>("/bin/sh", sh);
}

httplib::Result AgentProcess::edge_get(const std::string& path) const {
  httplib::Client client("127.0.0.1", edge_port);
  client.set_connection_timeout(2s);
  return client.Get(path.c_str());
}

httplib::Result AgentProcess::admin_get(const std::string& path) const {
  httplib::Client client("127.0.0.1", admin_port);
  client.set_connection_timeout(2s);
  return client.Get(path.c_str());
}

double AgentProcess::metric(const std::string& series) const {
  auto r = admin_get("/metrics");
  if (!r) return -1;
  const auto at = r->body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(r->body.substr(at + series.size() + 2));
}

std::string AgentProcess::location_of(const std::string& path) const {
  auto r = edge_get(path);
  return r ? r->get_header_value("Location") : std::string("(no answer)");
}

int AgentProcess::terminate(std::chrono::milliseconds timeout) {
  process->send_signal(SIGTERM);
  return process->wait_for_exit(timeout).value_or(-1);
}

bool AgentProcess::running() const { return !process->wait_for_exit(0ms).has_value(); }

bool AgentProcess::wait_until(const std::function<bool()>& ready) const {
  return eventually([&] { return !running() || ready(); }) && running();
}

bool AgentProcess::wait_ready() const {
  return wait_until([&] {
    auto r = admin_get("/readyz");
    return r && r->status == 200;
  });
}

}  // namespace flecto::test
