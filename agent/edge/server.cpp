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
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "agent/edge/answer.hpp"

namespace flecto {

namespace {

using Clock = std::chrono::steady_clock;

// Answers waiting beyond this are sent before more pipelined requests are
// parsed, so that a client that does not read cannot make us buffer much.
constexpr std::size_t kMaxPendingOutput = 256 * 1024;
// Bytes a closing client may still send us before we close anyway.
constexpr std::uint64_t kMaxLingerBytes = 1 << 20;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kMaxReadsPerEvent = 8;  // then let other connections of the loop run
constexpr auto kSweepInterval = std::chrono::milliseconds(100);

// What a connection is doing. Each phase is entered in one place:
// start_reading_head(), start_discarding_body(), wait_for_client() (or
// queue_last_answer() for the last answer) and start_lingering();
// done_writing() leaves kWriting for the phase it interrupted.
enum class Phase : std::uint8_t {
  kReadingHead,     // waiting for a request head; idle until its first byte
  kDiscardingBody,  // dropping the Content-Length body of a request already answered
  kWriting,         // the client has not taken all answers yet; nothing is read meanwhile
  kLingering,       // the last answer is sent and our side shut down; dropping input until EOF
};

struct Connection {
  int fd = -1;
  Phase phase = Phase::kReadingHead;
  Clock::time_point deadline;  // the phase's (refresh_deadline())
  std::uint32_t interest = EPOLLIN;
  std::string in;              // received, not yet parsed
  std::string out;             // answers not yet sent
  std::size_t out_sent = 0;

  // kReadingHead
  std::optional<Clock::time_point> head_start;  // when part of a head had arrived
  std::size_t scanned = 0;     // bytes of `in` known not to end a head
  bool saw_line_end = false;   // `in` holds a LF (the request line is complete)
  // kDiscardingBody
  std::uint64_t body_left = 0;
  // kWriting: the phase to return to once the answers are sent
  Phase after_writing = Phase::kReadingHead;
  // kLingering
  std::uint64_t lingered = 0;

  bool output_pending() const { return out_sent < out.size(); }
  bool reading() const { return phase == Phase::kReadingHead || phase == Phase::kDiscardingBody; }
};

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

struct EdgeServer::Loop {
  int epoll_fd = -1;
  int listen_fd = -1;                    // this loop's socket of the SO_REUSEPORT group
  std::atomic<std::uint64_t> accepted{0};  // connections accepted, for tests
  std::unordered_map<int, std::unique_ptr<Connection>> connections;
};

namespace {

// The per-loop work on connections; a small class so that the loop body
// reads as what happens to a connection.
class LoopWork {
 public:
  LoopWork(int epoll_fd, std::unordered_map<int, std::unique_ptr<Connection>>& connections,
           ServedTable& served, RequestCounters& counters, const EdgeOptions& options,
           std::atomic<std::size_t>& count)
      : epoll_fd_(epoll_fd), connections_(connections), served_(served), counters_(counters),
        options_(options), count_(count) {}

  void add(int fd) {
    auto conn = std::make_unique<Connection>();
    conn->fd = fd;
    conn->deadline = Clock::now() + options_.idle_timeout;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      count_.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    connections_.emplace(fd, std::move(conn));
  }

  void on_event(int fd, std::uint32_t events) {
    const auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    Connection& conn = *it->second;
    if (events & EPOLLERR) return close(conn);
    if (conn.phase == Phase::kLingering) return drain(conn);
    if ((events & EPOLLOUT) && conn.phase == Phase::kWriting) {
      if (!pump(conn)) return;
    }
    if ((events & (EPOLLIN | EPOLLHUP)) && conn.reading()) {
      if (!read_and_pump(conn)) return;
    }
    refresh_deadline(conn);
  }

  void sweep(Clock::time_point now) {
    std::vector<int> expired;
    for (const auto& [fd, conn] : connections_) {
      if (now >= conn->deadline) expired.push_back(fd);
    }
    for (const int fd : expired) {
      Connection& conn = *connections_.at(fd);
      const bool head_or_body_late =
          (conn.phase == Phase::kReadingHead && conn.head_start) || conn.phase == Phase::kDiscardingBody;
      if (!head_or_body_late) {
        close(conn);  // idle, lingering, or not taking its answer
        continue;
      }
      // A head or body that did not arrive in time: say so, then close.
      append_refusal(conn.out, 408, false);
      counters_.record(RequestOutcome::kRejected, 408, std::chrono::nanoseconds(0));
      queue_last_answer(conn);
      flush(conn);
    }
  }

  void close_all() {
    while (!connections_.empty()) close(*connections_.begin()->second);
  }

 private:
  void close(Connection& conn) {
    const int fd = conn.fd;
    ::close(fd);  // also leaves the epoll set
    count_.fetch_sub(1, std::memory_order_relaxed);
    connections_.erase(fd);
  }

  void set_interest(Connection& conn, std::uint32_t interest) {
    if (conn.interest == interest) return;
    epoll_event ev{};
    ev.events = interest;
    ev.data.fd = conn.fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &ev);
    conn.interest = interest;
  }

  // The phase transitions.

  // Ready for the next request; `in` may already hold some of it.
  static void start_reading_head(Connection& conn) {
    conn.phase = Phase::kReadingHead;
    conn.head_start.reset();
    conn.scanned = 0;
    conn.saw_line_end = false;
  }

  static void start_discarding_body(Connection& conn, std::uint64_t length) {
    conn.phase = Phase::kDiscardingBody;
    conn.body_left = length;
  }

  // The answer just queued is the last: nothing more is read, and once it
  // is sent the connection lingers.
  static void queue_last_answer(Connection& conn) {
    conn.phase = Phase::kWriting;
    conn.after_writing = Phase::kLingering;
    conn.in.clear();
    conn.body_left = 0;
  }

  // The client does not take its answers: wait until it does.
  void wait_for_client(Connection& conn) {
    if (conn.phase != Phase::kWriting) {
      conn.after_writing = conn.phase;
      conn.phase = Phase::kWriting;
    }
    set_interest(conn, EPOLLOUT);
    conn.deadline = Clock::now() + options_.write_timeout;
  }

  // Every answer is sent: back to what came before, or linger.
  void done_writing(Connection& conn) {
    set_interest(conn, EPOLLIN);
    if (conn.after_writing == Phase::kLingering) return start_lingering(conn);
    conn.phase = conn.after_writing;
  }

  // Shuts our side down and drops what the client still sends, so that a
  // body it is still sending never turns into a reset that destroys the answer.
  void start_lingering(Connection& conn) {
    ::shutdown(conn.fd, SHUT_WR);
    conn.phase = Phase::kLingering;
    conn.in.clear();
    conn.deadline = Clock::now() + options_.linger_timeout;
  }

  // Drops up to `available` bytes of the body being discarded; returns how
  // many. Once the body is all dropped, the next head is read.
  static std::size_t discard_body(Connection& conn, std::size_t available) {
    const auto dropped = static_cast<std::size_t>(std::min<std::uint64_t>(conn.body_left, available));
    conn.body_left -= dropped;
    if (conn.body_left == 0) start_reading_head(conn);
    return dropped;
  }

  // Reads what is there and answers it. False when the connection was closed.
  bool read_and_pump(Connection& conn) {
    char buf[kReadChunk];
    for (int round = 0; round < kMaxReadsPerEvent; ++round) {
      const ssize_t n = ::recv(conn.fd, buf, sizeof buf, 0);
      if (n > 0) {
        std::string_view data(buf, static_cast<std::size_t>(n));
        if (conn.in.empty() && conn.phase == Phase::kDiscardingBody) {  // drop body bytes without copying
          data.remove_prefix(discard_body(conn, data.size()));
        }
        conn.in.append(data);
        if (!pump(conn)) return false;
        if (!conn.reading()) return true;
        if (static_cast<std::size_t>(n) < sizeof buf) return true;
        continue;
      }
      if (n == 0) {
        close(conn);  // the client is done; anything half-received is dropped
        return false;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      close(conn);
      return false;
    }
    return true;
  }

  // Sends what is queued, then parses and answers requests, until input
  // runs out or the client stops taking answers. False when the connection
  // was closed.
  bool pump(Connection& conn) {
    for (;;) {
      if (!flush(conn)) return false;
      if (!conn.reading() || !answer_some(conn)) return true;
    }
  }

  // Answers the complete requests in conn.in, up to kMaxPendingOutput of
  // answers. True when at least one answer was added.
  bool answer_some(Connection& conn) {
    bool answered = false;
    std::shared_ptr<const Table> table;  // taken once for the requests at hand
    while (conn.reading() && conn.out.size() - conn.out_sent < kMaxPendingOutput) {
      if (conn.phase == Phase::kDiscardingBody) {
        conn.in.erase(0, discard_body(conn, conn.in.size()));
        if (conn.phase == Phase::kDiscardingBody) break;  // the rest of the body is still to come
      }
      if (conn.in.empty()) break;
      const EdgeParse parse = head_may_be_complete(conn) ? parse_request_head(conn.in, options_.limits)
                                                         : EdgeParse{};
      if (parse.state == EdgeParse::kIncomplete) {
        if (!conn.head_start) conn.head_start = Clock::now();
        break;
      }
      const auto start = Clock::now();
      answered = true;
      if (parse.state == EdgeParse::kError) {
        refuse(conn, parse.error_status, false, start);
        break;
      }
      const EdgeRequest& request = parse.request;
      if (request.body == EdgeRequest::Body::kLength &&
          request.content_length > options_.max_body_bytes) {
        refuse(conn, 413, request.is_head(), start);
        break;
      }
      if (!table) table = served_.current();
      const EdgeAnswer answer = append_answer(conn.out, table.get(), request, options_.debug_headers);
      counters_.record(answer.outcome, answer.status, Clock::now() - start);
      if (answer.after == AfterAnswer::kClose) {
        queue_last_answer(conn);
        break;
      }
      conn.in.erase(0, request.head_size);
      start_reading_head(conn);
      if (request.body == EdgeRequest::Body::kLength) start_discarding_body(conn, request.content_length);
    }
    return answered;
  }

  // Whether parsing could give an answer now: the bytes that arrived since
  // the last look may end the head, or a limit is broken. Saves re-parsing a
  // head that a client sends a few bytes at a time.
  bool head_may_be_complete(Connection& conn) const {
    const std::string_view in = conn.in;
    const EdgeRequestLimits& limits = options_.limits;
    if (in.size() > limits.max_request_line + limits.max_header_bytes + 8) return true;
    for (auto lf = in.find('\n', conn.scanned > 2 ? conn.scanned - 2 : 0); lf != std::string_view::npos;
         lf = in.find('\n', lf + 1)) {
      conn.saw_line_end = true;
      if (lf + 1 < in.size() && in[lf + 1] == '\n') return true;
      if (lf + 2 < in.size() && in[lf + 1] == '\r' && in[lf + 2] == '\n') return true;
    }
    if (!conn.saw_line_end && in.size() > limits.max_request_line + 1) return true;  // 414
    conn.scanned = in.size();
    return false;
  }

  void refuse(Connection& conn, int status, bool head, Clock::time_point start) {
    append_refusal(conn.out, status, head);
    counters_.record(RequestOutcome::kRejected, status, Clock::now() - start);
    queue_last_answer(conn);
  }

  // Sends what it can. False when the connection was closed.
  bool flush(Connection& conn) {
    while (conn.output_pending()) {
      const ssize_t n = ::send(conn.fd, conn.out.data() + conn.out_sent,
                               conn.out.size() - conn.out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        conn.out_sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wait_for_client(conn);
        return true;
      }
      close(conn);
      return false;
    }
    conn.out.clear();
    conn.out_sent = 0;
    if (conn.phase == Phase::kWriting) {
      done_writing(conn);
    } else {
      set_interest(conn, EPOLLIN);
    }
    return true;
  }

  // Drops what a closing client still sends, until it closes too.
  void drain(Connection& conn) {
    char buf[kReadChunk];
    for (;;) {
      const ssize_t n = ::recv(conn.fd, buf, sizeof buf, 0);
      if (n > 0) {
        conn.lingered += static_cast<std::uint64_t>(n);
        if (conn.lingered > kMaxLingerBytes) return close(conn);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return close(conn);
    }
  }

  void refresh_deadline(Connection& conn) {
    const auto now = Clock::now();
    switch (conn.phase) {
      case Phase::kReadingHead:
        conn.deadline = conn.head_start ? *conn.head_start + options_.header_timeout
                                        : now + options_.idle_timeout;
        break;
      case Phase::kDiscardingBody:
        conn.deadline = now + options_.header_timeout;  // the body keeps coming, or not
        break;
      case Phase::kWriting:
      case Phase::kLingering:
        break;  // set when the phase began
    }
  }

  int epoll_fd_;
  std::unordered_map<int, std::unique_ptr<Connection>>& connections_;
  ServedTable& served_;
  RequestCounters& counters_;
  const EdgeOptions& options_;
  std::atomic<std::size_t>& count_;
};

}  // namespace

EdgeServer::EdgeServer(ServedTable& served, RequestCounters& counters, EdgeOptions options)
    : served_(served), counters_(counters), options_(std::move(options)) {}

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
  LoopWork work(loop.epoll_fd, loop.connections, served_, counters_, options_, connections_);
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
          work.add(client);
        }
      } else {
        work.on_event(fd, events[i].events);
      }
    }
    if (stopping) break;
    const auto now = Clock::now();
    if (now >= next_sweep) {
      work.sweep(now);
      next_sweep = now + kSweepInterval;
    }
  }
  work.close_all();
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
