#include "bench/agent_child.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <simdjson.h>

namespace flecto::bench {
namespace {

using Clock = std::chrono::steady_clock;

int bound_loopback_socket(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  port = ntohs(address.sin_port);
  return fd;
}

int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

}  // namespace

std::string default_agent_binary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "flecto-agent";
  return (self.parent_path().parent_path() / "agent" / "flecto-agent").string();
}

int free_loopback_port() {
  int port = 0;
  ::close(bound_loopback_socket(port));
  return port;
}

RefusedPort::RefusedPort() { fd_ = bound_loopback_socket(port_); }
RefusedPort::~RefusedPort() { ::close(fd_); }
std::string RefusedPort::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

AgentChild::AgentChild(const std::string& binary, std::vector<std::string> args, const std::string& log_path)
    : log_path_(log_path), edge_port_(free_loopback_port()), admin_port_(free_loopback_port()) {
  if (::access(binary.c_str(), X_OK) != 0) throw std::runtime_error(binary + ": not an executable (see --agent)");
  args.insert(args.end(), {"--listen", "127.0.0.1:" + std::to_string(edge_port_), "--admin-listen",
                           "127.0.0.1:" + std::to_string(admin_port_), "--log-level", "warn"});
  std::vector<std::string> strings{binary};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log < 0) throw std::runtime_error(log_path + ": cannot create the agent's log");
  std::fflush(nullptr);
  started_ = Clock::now();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec.
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(log);
}

AgentChild::~AgentChild() {
  if (pid_ > 0 && !exit_) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
  }
}

void AgentChild::fail(const std::string& what) const {
  throw std::runtime_error(what + "; the agent's log ends: " + log_tail());
}

std::string AgentChild::log_tail(std::size_t bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  if (all.size() > bytes) all = "..." + all.substr(all.size() - bytes);
  for (char& c : all) {
    if (c == '\n') c = ' ';
  }
  return all;
}

bool AgentChild::running() {
  if (exit_) return false;
  int raw = 0;
  rusage usage{};
  if (::wait4(pid_, &raw, WNOHANG, &usage) == pid_) {
    exit_ = AgentExit{decode_status(raw), static_cast<std::size_t>(usage.ru_maxrss) * 1024};
    return false;
  }
  return true;
}

double AgentChild::wait_ready(std::chrono::milliseconds limit, std::chrono::milliseconds poll) {
  const auto give_up = started_ + limit;
  for (;;) {
    {
      httplib::Client client("127.0.0.1", admin_port_);
      client.set_connection_timeout(std::chrono::seconds(1));
      client.set_read_timeout(std::chrono::seconds(5));
      httplib::Result answer = client.Get("/readyz");
      if (answer && answer->status == 200) {
        return std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
      }
    }
    if (!running()) fail("the agent exited with status " + std::to_string(exit_->status) + " before it was ready");
    if (Clock::now() > give_up) fail("the agent was not ready within " + std::to_string(limit.count()) + " ms");
    std::this_thread::sleep_for(poll);
  }
}

std::string AgentChild::admin_get(const std::string& path) const {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  httplib::Result answer = client.Get(path);
  if (!answer) fail("GET " + path + " on the admin port: no answer");
  if (answer->status != 200) fail("GET " + path + " on the admin port: HTTP " + std::to_string(answer->status));
  return answer->body;
}

std::int64_t AgentChild::served_version() const {
  const std::string body = admin_get("/status");
  simdjson::dom::parser parser;
  simdjson::dom::element version;
  if (parser.parse(body)["version"].get(version) != simdjson::SUCCESS) fail("/status has no version");
  if (version.is_null()) return -1;
  std::int64_t value = 0;
  if (version.get_int64().get(value) != simdjson::SUCCESS) fail("/status: version is not an integer");
  return value;
}

std::size_t AgentChild::table_memory_bytes() const {
  const std::string body = admin_get("/status");
  simdjson::dom::parser parser;
  std::uint64_t bytes = 0;
  if (parser.parse(body)["table_memory_bytes"].get_uint64().get(bytes) != simdjson::SUCCESS) {
    fail("/status has no table_memory_bytes");
  }
  return static_cast<std::size_t>(bytes);
}

std::size_t AgentChild::proc_status_bytes(const char* field) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  }
  fail("/proc/" + std::to_string(pid_) + "/status: no " + field);
}

bool AgentChild::reset_peak_rss() const {
  std::ofstream out("/proc/" + std::to_string(pid_) + "/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

AgentExit AgentChild::stop(std::chrono::milliseconds limit) {
  if (!running()) return *exit_;
  ::kill(pid_, SIGTERM);
  const auto give_up = Clock::now() + limit;
  while (running()) {
    if (Clock::now() > give_up) {
      ::kill(pid_, SIGKILL);
      int raw = 0;
      rusage usage{};
      ::wait4(pid_, &raw, 0, &usage);
      exit_ = AgentExit{decode_status(raw), static_cast<std::size_t>(usage.ru_maxrss) * 1024};
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *exit_;
}

}  // namespace flecto::bench
