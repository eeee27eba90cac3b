// The connections of one event loop of the edge listener (server.hpp): what
// happens to each from accept to close. A connection is in one phase at a
// time: reading a head, discarding a body it does not need, writing answers
// the client has not taken yet, or lingering before the close.
//
//   flecto::EdgeConnections connections(epoll_fd, projects, unrouted, options, open_count);
//   connections.add(client_fd);          // an accepted, non-blocking socket
//   connections.on_event(fd, events);    // for each epoll event of a connection
//   connections.sweep(now);              // now and then: timeouts (408, idle, write, linger)
//   // the destructor closes every connection still open
//
// Used by its loop's thread only. `open_count` counts the connections open
// across all loops: closing one decrements it.

#ifndef FLECTO_AGENT_EDGE_CONNECTION_HPP_
#define FLECTO_AGENT_EDGE_CONNECTION_HPP_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "agent/edge/server.hpp"
#include "agent/projects/request_counters.hpp"
#include "agent/projects/served_projects.hpp"

namespace flecto {

class EdgeConnections {
 public:
  using Clock = std::chrono::steady_clock;

  // The referenced objects must outlive it; `epoll_fd` is the loop's. Each
  // answer is counted in the project that gave it, the others (refused
  // requests, hosts no project answers) in `unrouted`.
  EdgeConnections(int epoll_fd, const ServedProjects& projects, RequestCounters& unrouted,
                  const EdgeOptions& options, std::atomic<std::size_t>& open_count);
  ~EdgeConnections();
  EdgeConnections(const EdgeConnections&) = delete;
  EdgeConnections& operator=(const EdgeConnections&) = delete;

  // Takes `fd` in (closes it if it cannot be watched).
  void add(int fd);

  // Reads, answers and writes what `events` allow on connection `fd`.
  void on_event(int fd, std::uint32_t events);

  // Acts on the connections whose deadline has passed: a head or body that
  // did not arrive in time gets 408, the others are closed.
  void sweep(Clock::time_point now);

 private:
  enum class Phase : std::uint8_t;
  struct Connection;

  void close(Connection& conn);
  void set_interest(Connection& conn, std::uint32_t interest);
  static void start_reading_head(Connection& conn);
  static void start_discarding_body(Connection& conn, std::uint64_t length);
  static void queue_last_answer(Connection& conn);
  void wait_for_client(Connection& conn);
  void done_writing(Connection& conn);
  void start_lingering(Connection& conn);
  static std::size_t discard_body(Connection& conn, std::size_t available);
  bool read_and_pump(Connection& conn);
  bool pump(Connection& conn);
  bool answer_some(Connection& conn);
  bool head_may_be_complete(Connection& conn) const;
  void refuse(Connection& conn, const EdgeRequest* request, int status, bool head, Clock::time_point start);
  void log_access(const Connection& conn, const EdgeRequest* request, int status,
                  std::chrono::nanoseconds took) const;
  bool flush(Connection& conn);
  void drain(Connection& conn);
  void refresh_deadline(Connection& conn);

  int epoll_fd_;
  const ServedProjects& projects_;
  RequestCounters& unrouted_;
  const EdgeOptions& options_;
  std::atomic<std::size_t>& open_count_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_CONNECTION_HPP_
