// The flecto-agent binary under test, as a process with its edge and admin
// listeners on loopback ports, for the end-to-end tests
// (tests/agent/daemon_test.cpp, daemon_faults_test.cpp).
//
//   AgentProcess agent;
//   agent.start({"--rules", rules_path});
//   REQUIRE(agent.wait_ready());
//   CHECK(agent.location_of("/old") == "/new");
//   agent.process->send_signal(SIGTERM);

#ifndef FLECTO_TESTS_SUPPORT_AGENT_PROCESS_HPP_
#define FLECTO_TESTS_SUPPORT_AGENT_PROCESS_HPP_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include "support/child_process.hpp"

namespace flecto::test {

// A loopback port that was free a moment ago (the kernel does not hand it
// out again at once).
int free_loopback_port();

// Polls `done` every 10 ms for up to 20 s (an upper bound, not a timing);
// whether it came true.
bool eventually(const std::function<bool()>& done);

struct AgentProcess {
  int edge_port = free_loopback_port();
  int admin_port = free_loopback_port();
  std::unique_ptr<ChildProcess> process;

  // Starts the agent with `args` plus --listen, --admin-listen on this
  // object's ports and --log-level `log_level`.
  void start(std::vector<std::string> args, const std::string& log_level = "debug");
  // The same, started by /bin/sh after `shell_setup` (e.g. "ulimit -f 64");
  // the shell execs the agent, so the process keeps its pid.
  void start_after(const std::string& shell_setup, std::vector<std::string> args,
                   const std::string& log_level = "debug");

  httplib::Result edge_get(const std::string& path) const;
  httplib::Result admin_get(const std::string& path) const;
  // The Location of the edge's answer to GET `path`, "" without one, and
  // "(no answer)" when the edge did not answer.
  std::string location_of(const std::string& path) const;
  // The value of the /metrics line that starts with `series` (name and
  // labels, as written: `flecto_agent_projects` or
  // `flecto_agent_syncs_total{namespace="ns",...}`); -1 without one.
  double metric(const std::string& series) const;

  bool running() const;
  // Polls `ready` for up to 20 s; false as soon as the process has exited.
  bool wait_until(const std::function<bool()>& ready) const;
  // wait_until /readyz answers 200.
  bool wait_ready() const;
  // What the agent wrote on standard error so far.
  std::string log() const { return process->stderr_text(); }
  // Sends SIGTERM and waits up to `timeout` for the exit: its status, or -1
  // when it did not exit in time (a sanitizer's report is a status too,
  // with the report in log()).
  int terminate(std::chrono::milliseconds timeout);

 private:
  std::vector<std::string> listen_args(const std::string& log_level) const;
};

}  // namespace flecto::test

#endif  // FLECTO_TESTS_SUPPORT_AGENT_PROCESS_HPP_
