// The relay listener (relay_listen; off by default): serves Flecto
// Manager's agent API to other agents (flecto-agents, the Traefik
// middleware) from the versions this agent holds (agent/relay/relay_store.hpp),
// so that a site's manager sees one agent download each version.
//
//   GET   /health/ping                                         204, no token
//   GET   <base>/api/namespace/<ns>/project/<p>/version        "7\n"
//   GET   <base>/api/namespace/<ns>/project/<p>/redirects      relay_listing.hpp
//   GET   <base>/api/namespace/<ns>/project/<p>/pages          relay_listing.hpp
//   POST  <base>/api/namespace/<ns>/project/<p>/agents         passed through
//   PATCH <base>/api/namespace/<ns>/project/<p>/agents/<n>/hit passed through
//
// <base> is any path prefix (or none): a downstream's manager_url may carry
// one. For a project the relay does not sync: 500 {"message":"record not
// found"}, as the manager answers an unknown project. The reads need the
// downstream's bearer token in that project's header_authorization_name,
// checked with the upstream manager (relay_auth.hpp): 401 or 403 as the
// upstream refused it, 503 when a token never checked cannot be checked;
// then 503 while no version is held yet. A report or heartbeat is sent on
// to the project's upstream manager (its manager_url, ca_file, proxy,
// timeouts) with the downstream's own header and body, and the upstream's
// status and body come back as they were; an upstream that does not answer
// gets the downstream 502 {"message":...}: never an invented
// acknowledgement. Errors are {"message":"..."}.
//
//   flecto::RelayServer relay(store, &served, counters, options);
//   relay.start(flecto::parse_listen_address(config.relay_listen));  // throws if it cannot bind
//   relay.stop();                                                    // also the destructor
//
// cpp-httplib (an SSLServer with options.tls_cert_file and tls_key_file) on
// a pool of options.threads threads; a keep-alive connection is closed after
// 2 s idle, so that a fleet's idle connections do not hold the pool.

#ifndef FLECTO_AGENT_RELAY_RELAY_SERVER_HPP_
#define FLECTO_AGENT_RELAY_RELAY_SERVER_HPP_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>

#include "agent/config/listen_address.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/relay/relay_auth.hpp"
#include "agent/relay/relay_counters.hpp"
#include "agent/relay/relay_listing.hpp"
#include "agent/relay/relay_store.hpp"

namespace httplib {
class Server;
}

namespace flecto {

struct RelayServerOptions {
  std::string tls_cert_file;  // both, or neither: plain HTTP
  std::string tls_key_file;
  std::chrono::milliseconds auth_ttl{std::chrono::seconds(60)};  // relay_auth_ttl
  std::size_t threads = 16;
  // false: listings without Next, as managers before cursors (tests walk
  // by offset so).
  bool send_next = true;
  // Called before each listing request is answered (tests swap versions
  // in the middle of a walk there). Empty: none.
  std::function<void(RelayListingKind)> before_listing;
  // How the upstream is asked about a token; empty: GET .../version with
  // it, through a ManagerClient of the project's upstream settings.
  std::function<UpstreamVerdict(const Config& upstream, const std::string& token)> ask_upstream;
};

class RelayServer {
 public:
  // The referenced objects must outlive the server. `served`: when not
  // null, only the projects its routing holds are relayed (a project a
  // reload removed is not, though its last version is still in `store`).
  RelayServer(const RelayStore& store, const ServedProjects* served, RelayCounters& counters,
              RelayServerOptions options = {});
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

  // Binds and serves from a background thread. Throws std::runtime_error
  // when it cannot bind or load the certificate, std::logic_error when
  // started.
  void start(const ListenAddress& address);
  std::uint16_t port() const { return port_; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  // Stops serving (ends the calls to upstreams in progress) and joins. Idempotent.
  void stop();

 private:
  void route();

  const RelayStore& store_;
  const ServedProjects* served_;
  RelayCounters& counters_;
  RelayServerOptions options_;
  RelayAuth auth_;
  std::stop_source stopping_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

// What the upstream says of `token`: GET .../version with it, through a
// ManagerClient made of `upstream` (its token replaced).
UpstreamVerdict ask_upstream_version(const Config& upstream, const std::string& token, std::stop_token stop);

}  // namespace flecto

#endif  // FLECTO_AGENT_RELAY_RELAY_SERVER_HPP_
