// A real flecto-agent process under measure, for flecto-bench restart and
// sync-replace: started with fork/exec on loopback ports of its own, polled
// over its admin port, its memory read from the kernel.
//
//   AgentChild agent(default_agent_binary(), {"--rules", "rules.json"});
//   double ready_ms = agent.wait_ready(std::chrono::seconds(120));  // fork/exec to the first 200 of /readyz
//   std::size_t hwm = agent.proc_status_bytes("VmHWM");               // peak RSS so far
//   AgentExit exit = agent.stop();                                    // SIGTERM, wait4: ru_maxrss
//
// Every failure (the binary missing, the agent exiting, a time-out) throws
// std::runtime_error with one line that ends with the tail of the agent's
// log. The destructor kills and reaps a child still running.

#ifndef FLECTO_BENCH_AGENT_CHILD_HPP_
#define FLECTO_BENCH_AGENT_CHILD_HPP_

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flecto::bench {

// <directory of this executable>/../agent/flecto-agent: where the build puts
// the agent next to build/bench/flecto-bench.
std::string default_agent_binary();

// A loopback TCP port that was free a moment ago.
int free_loopback_port();

// A loopback port bound without listen(): connecting to it is refused, and
// nobody else takes it while this object lives (a manager that is down).
class RefusedPort {
 public:
  RefusedPort();
  ~RefusedPort();
  RefusedPort(const RefusedPort&) = delete;
  RefusedPort& operator=(const RefusedPort&) = delete;
  std::string url() const;

 private:
  int fd_ = -1;
  int port_ = 0;
};

struct AgentExit {
  int status = -1;                // exit status, or 128 + signal
  std::size_t max_rss_bytes = 0;  // ru_maxrss from wait4: the lifetime's peak
};

class AgentChild {
 public:
  // Starts `binary` with `args` plus --listen and --admin-listen on free
  // loopback ports and --log-level warn; its output goes to `log_path`.
  // The start time is taken just before fork().
  AgentChild(const std::string& binary, std::vector<std::string> args, const std::string& log_path);
  ~AgentChild();
  AgentChild(const AgentChild&) = delete;
  AgentChild& operator=(const AgentChild&) = delete;

  pid_t pid() const { return pid_; }
  int admin_port() const { return admin_port_; }

  // Polls GET /readyz every `poll` until it answers 200; milliseconds from
  // the start to that answer. Throws when the agent exits or `limit` passes.
  double wait_ready(std::chrono::milliseconds limit,
                    std::chrono::milliseconds poll = std::chrono::milliseconds(2));

  // The body of GET `path` on the admin port; throws on no answer or not 200.
  std::string admin_get(const std::string& path) const;
  // From GET /status: the served version (-1 with none) and
  // table_memory_bytes.
  std::int64_t served_version() const;
  std::size_t table_memory_bytes() const;

  // A /proc/<pid>/status field given in kB ("VmRSS", "VmHWM"), in bytes.
  // Throws when it cannot be read.
  std::size_t proc_status_bytes(const char* field) const;
  // Resets VmHWM to the current RSS (writes "5" to /proc/<pid>/clear_refs,
  // Linux 4.0 and later); whether the kernel accepted it.
  bool reset_peak_rss() const;

  // Whether the process is still running (reaps it when it is not).
  bool running();
  // SIGTERM, then waits (up to `limit`, then SIGKILL) with wait4.
  AgentExit stop(std::chrono::milliseconds limit = std::chrono::seconds(30));

  // The last `bytes` of its log, for error messages.
  std::string log_tail(std::size_t bytes = 600) const;

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::string log_path_;
  int edge_port_ = 0;
  int admin_port_ = 0;
  pid_t pid_ = -1;
  std::optional<AgentExit> exit_;
  std::chrono::steady_clock::time_point started_;
};

// What one run of the agent printed in a JSON line needs: bytes as MiB.
inline double mib(std::size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace flecto::bench

#endif  // FLECTO_BENCH_AGENT_CHILD_HPP_
