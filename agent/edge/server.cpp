#include "agent/edge/server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "agent/edge/connection.hpp"

namespace flecto {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kSweepInterval = std::chrono::milliseconds(100);

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

struct EdgeServer::Loop {
  int epoll_fd = -1;
  int listen_fd = -1;                    // this loop's socket of the SO_REUSEPORT group
  std::atomic<std::uint64_t> accepted{0};  // connections accepted, for tests
};

EdgeServer::EdgeServer(const ServedProjects& projects, RequestCounters& unrouted, EdgeOptions options)
    : projects_(projects), unrouted_(unrouted), options_(std::move(options)) {}

EdgeServer::~EdgeServer() { stop(); }

namespace {

// A non-blocking listening socket bound to `addr`; -1 with errno set.
// `reuse_port` before bind: the socket joins the port's SO_REUSEPORT group.
// The first socket binds without it, so that a port held by anyone else
// (another agent included) still fails with "Address already in use", and
// opens the group only once bound.
int listening_socket(int family, int protocol, const sockaddr* addr, socklen_t len, bool reuse_port) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (::bind(fd, addr, len) != 0 ||
      (!reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
      ::listen(fd, SOMAXCONN) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

void EdgeServer::start(const ListenAddress& address) {
  if (!loops_.empty() || stop_fd_ >= 0) throw std::logic_error("edge server already started");
  const std::string where = "cannot listen on " + address.to_string();

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(address.port);
  if (const int rc = getaddrinfo(address.host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error(where + ": " + gai_strerror(rc));
  }
  int fd = -1;
  int last_errno = 0;
  int family = 0, protocol = 0;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = listening_socket(ai->ai_family, ai->ai_protocol, ai->ai_addr, ai->ai_addrlen, false);
    if (fd < 0) last_errno = errno;
    family = ai->ai_family;
    protocol = ai->ai_protocol;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    errno = last_errno;
    throw_errno(where);
  }

  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  // Close what was opened so far, then throw; errno is kept for the message.
  const auto fail = [&](int listen_fd) {
    const int saved = errno;
    if (listen_fd >= 0) ::close(listen_fd);
    stop();
    errno = saved;
    throw_errno(where);
  };
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd_ < 0) fail(fd);

  std::size_t threads = options_.threads;
  if (threads == 0) threads = std::max<std::size_t>(2, std::thread::hardware_concurrency());

  // Never accept more connections than descriptors allow: a loop that cannot
  // accept would be woken again and again. Each loop holds two descriptors
  // of its own (its epoll set and its listening socket).
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const std::size_t reserved = 64 + 2 * threads;
    const std::size_t usable = files.rlim_cur > reserved ? files.rlim_cur - reserved : 1;
    options_.max_connections = std::min<std::size_t>(options_.max_connections, usable);
  }

  // One listening socket per loop in one SO_REUSEPORT group: the kernel
  // spreads new connections over the loops by hashing each connection, so a
  // burst does not all land on whichever loop woke first (with one shared
  // socket, the first loop to wake accepted the whole backlog).
  for (std::size_t i = 0; i < threads; ++i) {
    if (i > 0) {
      fd = listening_socket(family, protocol, reinterpret_cast<sockaddr*>(&bound), bound_len, true);
      if (fd < 0) fail(-1);
    }
    auto loop = std::make_unique<Loop>();
    loop->listen_fd = fd;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    epoll_event listen_ev{};
    listen_ev.events = EPOLLIN;
    listen_ev.data.fd = fd;
    epoll_event stop_ev{};
    stop_ev.events = EPOLLIN;
    stop_ev.data.fd = stop_fd_;
    if (loop->epoll_fd < 0 || epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &listen_ev) != 0 ||
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, stop_fd_, &stop_ev) != 0) {
      if (loop->epoll_fd >= 0) ::close(loop->epoll_fd);
      fail(fd);
    }
    loops_.push_back(std::move(loop));
  }
  for (auto& loop : loops_) threads_.emplace_back([this, &loop] { run_loop(*loop); });
}

std::vector<std::uint64_t> EdgeServer::accepted_per_loop() const {
  std::vector<std::uint64_t> counts;
  for (const auto& loop : loops_) counts.push_back(loop->accepted.load(std::memory_order_relaxed));
  return counts;
}

void EdgeServer::run_loop(Loop& loop) {
  EdgeConnections connections(loop.epoll_fd, projects_, unrouted_, options_, connections_);
  epoll_event events[128];
  auto next_sweep = Clock::now() + kSweepInterval;
  for (;;) {
    const int n = epoll_wait(loop.epoll_fd, events, 128,
                             static_cast<int>(kSweepInterval.count()));
    if (n < 0 && errno != EINTR) break;
    bool stopping = false;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == stop_fd_) {
        stopping = true;  // left readable so that every loop sees it
      } else if (fd == loop.listen_fd) {
        // The backlog of this loop's own socket: what the kernel gave us.
        for (int k = 0; k < 64; ++k) {
          const int client = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            break;  // EAGAIN, or out of descriptors: try again on the next wake-up
          }
          loop.accepted.fetch_add(1, std::memory_order_relaxed);
          if (connections_.fetch_add(1, std::memory_order_relaxed) >= options_.max_connections) {
            connections_.fetch_sub(1, std::memory_order_relaxed);
            ::close(client);
            continue;
          }
          const int one = 1;
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          connections.add(client);
        }
      } else {
        connections.on_event(fd, events[i].events);
      }
    }
    if (stopping) break;
    const auto now = Clock::now();
    if (now >= next_sweep) {
      connections.sweep(now);
      next_sweep = now + kSweepInterval;
    }
  }
}

void EdgeServer::stop() {
  if (stop_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  for (auto& loop : loops_) {
    ::close(loop->epoll_fd);
    ::close(loop->listen_fd);
  }
  loops_.clear();
  if (stop_fd_ >= 0) ::close(stop_fd_);
  stop_fd_ = -1;
  port_ = 0;
}

}  // namespace flecto
