// The edge listener: answers every HTTP request from the table of the
// project its Host selects (agent/projects/served_projects.hpp).
//
//   flecto::EdgeServer edge(projects, unrouted, {.debug_headers = config.debug_headers});
//   edge.start(flecto::parse_listen_address(config.listen));  // throws if it cannot bind
//   ...
//   edge.stop();  // also done by the destructor
//
// `threads` epoll event loops serve it, each with its own listening socket
// on the port (SO_REUSEPORT, so the kernel spreads new connections over
// them); a port another process holds still makes start() fail.
//
// Per connection: keep-alive and pipelining; the head (request line and
// headers) must arrive within header_timeout of its first byte, else 408;
// the request line is bounded (414) and so are the header lines (431);
// malformed heads get 400 (request.hpp); a body announced by Content-Length
// up to max_body_bytes is read and dropped, a larger one gets 413; a
// chunked body is not read: the answer is sent with "Connection: close". An
// idle keep-alive connection is closed after idle_timeout, a client that
// does not take its answer within write_timeout. A connection that closes
// after its answer lingers up to linger_timeout (our side shut down, what
// the client still sends dropped), so that an unread body does not turn
// into a reset that destroys the answer. Slow clients cost a connection
// slot each, never a thread. Every answer is counted in the RequestCounters
// of the project that gave it, the others (refused requests, hosts no
// project answers) in `unrouted` (answer.hpp for the answers themselves).

#ifndef FLECTO_AGENT_EDGE_SERVER_HPP_
#define FLECTO_AGENT_EDGE_SERVER_HPP_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "agent/config/listen_address.hpp"
#include "agent/edge/answer.hpp"
#include "agent/edge/request.hpp"
#include "agent/projects/request_counters.hpp"
#include "agent/projects/served_projects.hpp"

namespace flecto {

struct EdgeOptions {
  bool debug_headers = false;     // X-Flecto-Project / -Version / -Rule / -Target
  AnswerOptions answers;          // Cache-Control values, the query fallback (answer.hpp)
  bool access_log = false;        // a log line per answer (agent/edge/access_log.hpp)
  std::size_t threads = 0;        // event loops; 0: one per CPU, at least 2
  EdgeRequestLimits limits;       // request line (414) and header (431) bounds
  std::uint64_t max_body_bytes = std::uint64_t{1} << 20;  // larger Content-Length: 413
  std::chrono::milliseconds header_timeout{10'000};  // first byte to complete head: 408
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive connection without request
  std::chrono::milliseconds write_timeout{10'000};   // answer not taken by the client
  std::chrono::milliseconds linger_timeout{2'000};   // draining the client before close
  std::size_t max_connections = 16384;               // more are accepted and closed at once
};

class EdgeServer {
 public:
  // `projects` and `unrouted` must outlive the server.
  EdgeServer(const ServedProjects& projects, RequestCounters& unrouted, EdgeOptions options = {});
  ~EdgeServer();
  EdgeServer(const EdgeServer&) = delete;
  EdgeServer& operator=(const EdgeServer&) = delete;

  // Binds `address` and starts the event loops; returns once it accepts
  // connections. Throws std::runtime_error ("cannot listen on 0.0.0.0:80:
  // Permission denied") when the address does not resolve or cannot be
  // bound, and std::logic_error when already started.
  void start(const ListenAddress& address);

  // The port bound (useful after starting on port 0); 0 before start().
  std::uint16_t port() const { return port_; }

  // The number of event loops running; 0 before start().
  std::size_t loop_count() const { return loops_.size(); }

  // Connections each loop has accepted since start() (those closed at once
  // beyond max_connections included). For tests: how evenly they spread.
  std::vector<std::uint64_t> accepted_per_loop() const;

  // Stops accepting, closes every connection and joins the loops. Requests
  // in flight are dropped. Idempotent; safe to call when never started.
  void stop();

 private:
  struct Loop;
  void run_loop(Loop& loop);

  const ServedProjects& projects_;
  RequestCounters& unrouted_;
  EdgeOptions options_;
  int stop_fd_ = -1;  // eventfd every loop watches
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> connections_{0};
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace flecto

#endif  // FLECTO_AGENT_EDGE_SERVER_HPP_
