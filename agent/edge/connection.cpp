#include "agent/edge/connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/edge/access_log.hpp"
#include "agent/edge/answer.hpp"
#include "agent/edge/request_target.hpp"

namespace flecto {

namespace {

using Clock = EdgeConnections::Clock;

// Answers waiting beyond this are sent before more pipelined requests are
// parsed, so that a client that does not read cannot make us buffer much.
constexpr std::size_t kMaxPendingOutput = 256 * 1024;
// Bytes a closing client may still send us before we close anyway.
constexpr std::uint64_t kMaxLingerBytes = 1 << 20;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kMaxReadsPerEvent = 8;  // then let other connections of the loop run

}  // namespace

// What a connection is doing. Each phase is entered in one place:
// start_reading_head(), start_discarding_body(), wait_for_client() (or
// queue_last_answer() for the last answer) and start_lingering();
// done_writing() leaves kWriting for the phase it interrupted.
enum class EdgeConnections::Phase : std::uint8_t {
  kReadingHead,     // waiting for a request head; idle until its first byte
  kDiscardingBody,  // dropping the Content-Length body of a request already answered
  kWriting,         // the client has not taken all answers yet; nothing is read meanwhile
  kLingering,       // the last answer is sent and our side shut down; dropping input until EOF
};

struct EdgeConnections::Connection {
  int fd = -1;
  Phase phase = Phase::kReadingHead;
  Clock::time_point deadline;  // the phase's (refresh_deadline())
  std::uint32_t interest = EPOLLIN;
  std::string in;              // received, not yet parsed
  std::string out;             // answers not yet sent
  std::size_t out_sent = 0;
  std::string target_buffer;   // a re-encoded target (read_match_input), capacity reused

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

EdgeConnections::EdgeConnections(int epoll_fd, const ServedProjects& projects, RequestCounters& unrouted,
                                 const EdgeOptions& options, std::atomic<std::size_t>& open_count)
    : epoll_fd_(epoll_fd), projects_(projects), unrouted_(unrouted), options_(options),
      open_count_(open_count) {}

EdgeConnections::~EdgeConnections() {
  while (!connections_.empty()) close(*connections_.begin()->second);
}

void EdgeConnections::add(int fd) {
  auto conn = std::make_unique<Connection>();
  conn->fd = fd;
  conn->deadline = Clock::now() + options_.idle_timeout;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    open_count_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  connections_.emplace(fd, std::move(conn));
}

void EdgeConnections::on_event(int fd, std::uint32_t events) {
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

void EdgeConnections::sweep(Clock::time_point now) {
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
    unrouted_.record(RequestOutcome::kRejected, 408, std::chrono::nanoseconds(0));
    log_access(conn, nullptr, 408, std::chrono::nanoseconds(0));
    queue_last_answer(conn);
    flush(conn);
  }
}

void EdgeConnections::close(Connection& conn) {
  const int fd = conn.fd;
  ::close(fd);  // also leaves the epoll set
  open_count_.fetch_sub(1, std::memory_order_relaxed);
  connections_.erase(fd);
}

void EdgeConnections::set_interest(Connection& conn, std::uint32_t interest) {
  if (conn.interest == interest) return;
  epoll_event ev{};
  ev.events = interest;
  ev.data.fd = conn.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &ev);
  conn.interest = interest;
}

// Ready for the next request; `in` may already hold some of it.
void EdgeConnections::start_reading_head(Connection& conn) {
  conn.phase = Phase::kReadingHead;
  conn.head_start.reset();
  conn.scanned = 0;
  conn.saw_line_end = false;
}

void EdgeConnections::start_discarding_body(Connection& conn, std::uint64_t length) {
  conn.phase = Phase::kDiscardingBody;
  conn.body_left = length;
}

// The answer just queued is the last: nothing more is read, and once it
// is sent the connection lingers.
void EdgeConnections::queue_last_answer(Connection& conn) {
  conn.phase = Phase::kWriting;
  conn.after_writing = Phase::kLingering;
  conn.in.clear();
  conn.body_left = 0;
}

// The client does not take its answers: wait until it does.
void EdgeConnections::wait_for_client(Connection& conn) {
  if (conn.phase != Phase::kWriting) {
    conn.after_writing = conn.phase;
    conn.phase = Phase::kWriting;
  }
  set_interest(conn, EPOLLOUT);
  conn.deadline = Clock::now() + options_.write_timeout;
}

// Every answer is sent: back to what came before, or linger.
void EdgeConnections::done_writing(Connection& conn) {
  set_interest(conn, EPOLLIN);
  if (conn.after_writing == Phase::kLingering) return start_lingering(conn);
  conn.phase = conn.after_writing;
}

// Shuts our side down and drops what the client still sends, so that a
// body it is still sending never turns into a reset that destroys the answer.
void EdgeConnections::start_lingering(Connection& conn) {
  ::shutdown(conn.fd, SHUT_WR);
  conn.phase = Phase::kLingering;
  conn.in.clear();
  conn.deadline = Clock::now() + options_.linger_timeout;
}

// Drops up to `available` bytes of the body being discarded; returns how
// many. Once the body is all dropped, the next head is read.
std::size_t EdgeConnections::discard_body(Connection& conn, std::size_t available) {
  const auto dropped = static_cast<std::size_t>(std::min<std::uint64_t>(conn.body_left, available));
  conn.body_left -= dropped;
  if (conn.body_left == 0) start_reading_head(conn);
  return dropped;
}

// Reads what is there and answers it. False when the connection was closed.
bool EdgeConnections::read_and_pump(Connection& conn) {
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
bool EdgeConnections::pump(Connection& conn) {
  for (;;) {
    if (!flush(conn)) return false;
    if (!conn.reading() || !answer_some(conn)) return true;
  }
}

// Answers the complete requests in conn.in, up to kMaxPendingOutput of
// answers. True when at least one answer was added.
bool EdgeConnections::answer_some(Connection& conn) {
  bool answered = false;
  std::shared_ptr<const ProjectRouting> routing;  // taken once for the requests at hand
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
      refuse(conn, nullptr, parse.error_status, false, start);
      break;
    }
    const EdgeRequest& request = parse.request;
    // Routed and matched on what the reference edge sees (request_target.hpp);
    // the access log keeps the request as received.
    const MatchInput input = read_match_input(request.target, request.host, conn.target_buffer);
    if (input.status != 0) {
      refuse(conn, &request, input.status, request.is_head(), start);
      break;
    }
    if (request.body == EdgeRequest::Body::kLength &&
        request.content_length > options_.max_body_bytes) {
      refuse(conn, &request, 413, request.is_head(), start);
      break;
    }
    EdgeRequest matched = request;
    matched.host = input.host;
    matched.target = input.uri;
    if (!routing) routing = projects_.current();
    ServedProject* project = routing ? routing->route(matched.host) : nullptr;
    const std::shared_ptr<const Table> table = project ? project->served.current() : nullptr;
    const EdgeRoute route{project != nullptr, project ? std::string_view(project->identity.label) : "none",
                          table.get()};
    const EdgeAnswer answer = append_answer(conn.out, route, matched, options_.debug_headers, options_.answers);
    const auto took = Clock::now() - start;
    (project ? project->counters : unrouted_).record(answer.outcome, answer.status, took);
    log_access(conn, &request, answer.status, took);
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
bool EdgeConnections::head_may_be_complete(Connection& conn) const {
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

void EdgeConnections::refuse(Connection& conn, const EdgeRequest* request, int status, bool head,
                             Clock::time_point start) {
  append_refusal(conn.out, status, head);
  const auto took = Clock::now() - start;
  unrouted_.record(RequestOutcome::kRejected, status, took);
  log_access(conn, request, status, took);
  queue_last_answer(conn);
}

// One access log line, when the log is on (EdgeOptions::access_log).
void EdgeConnections::log_access(const Connection& conn, const EdgeRequest* request, int status,
                                 std::chrono::nanoseconds took) const {
  if (!options_.access_log) return;
  spdlog::info("{}", access_log_line(peer_address(conn.fd), request, status, took));
}

// Sends what it can. False when the connection was closed.
bool EdgeConnections::flush(Connection& conn) {
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
void EdgeConnections::drain(Connection& conn) {
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

void EdgeConnections::refresh_deadline(Connection& conn) {
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

}  // namespace flecto
