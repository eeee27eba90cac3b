// Helpers for tests of the sync against the stand-in manager with the real
// ManagerClient: a configuration pointing at a stand-in, and a SyncLoop on
// its own thread with short backoffs.

#ifndef FLECTO_TESTS_AGENT_SYNC_STANDIN_SUPPORT_HPP_
#define FLECTO_TESTS_AGENT_SYNC_STANDIN_SUPPORT_HPP_

#include <chrono>
#include <cstdint>
#include <future>
#include <stop_token>
#include <string>

#include "agent/config/config.hpp"
#include "agent/manager/client.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/loop.hpp"
#include "agent/sync/status.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::test {

// A stand-in's project: a namespace, a project with an underscore (they
// travel in URLs) and a token the tests look for in every output.
inline standin::Options standin_options() {
  standin::Options options;
  options.namespace_code = "ns-sync";
  options.project_code = "proj_sync";
  options.token = "sync-T0ken-secret";
  return options;
}

// The version of the table being served, -1 when none is.
inline std::int64_t served_version(const ServedTable& served) {
  auto table = served.current();
  return table ? table->version() : -1;
}

// A configuration that syncs from `manager` into `state_dir` as agent
// "edge-standin", with an hour between checks (tests wake the loop with
// request_sync_now()).
inline Config standin_config(const standin::StandinManager& manager, const std::string& state_dir) {
  using namespace std::chrono_literals;
  Config config;
  config.manager_url = manager.url();
  config.namespace_code = manager.options().namespace_code;
  config.project_code = manager.options().project_code;
  config.token = manager.options().token;
  config.agent_name = "edge-standin";
  config.state_dir = state_dir;
  config.interval_check = 1h;
  config.connect_timeout = 5s;
  config.read_timeout = 10s;
  config.sync_timeout = 20s;
  config.listing_limits = 50;
  return config;
}

// A SyncLoop with a real client, on its own thread; stopped by the
// destructor.
class StandinLoop {
 public:
  StandinLoop(const Config& config, ServedTable& served, SyncStatus& status)
      : client_(manager_settings_from(config)), loop_(config, client_, served, status, options()) {
    done_ = std::async(std::launch::async, [this] { loop_.run(stop_.get_token()); });
  }
  ~StandinLoop() { stop(); }
  StandinLoop(const StandinLoop&) = delete;
  StandinLoop& operator=(const StandinLoop&) = delete;

  // True when run() returned within 30 s (an upper bound, not a timing).
  bool stop() {
    stop_.request_stop();
    return done_.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  }
  SyncLoop& loop() { return loop_; }

 private:
  static SyncLoopOptions options() {
    using namespace std::chrono_literals;
    SyncLoopOptions o;
    o.initial_backoff = 5ms;
    o.tick_period = 20ms;
    o.seed = 7;
    return o;
  }
  ManagerClient client_;
  SyncLoop loop_;
  std::stop_source stop_;
  std::future<void> done_;
};

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_SYNC_STANDIN_SUPPORT_HPP_
