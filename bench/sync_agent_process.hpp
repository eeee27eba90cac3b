// flecto-bench sync --agent-process: the sync's cost on the agent's side,
// measured in a process of its own, and the bytes its listings take.
//
// The process forks before it reads anything: the parent reads the rules
// file and serves it with the stand-in manager; the child, holding nothing
// but the client, fetches one whole version through ManagerClient and builds
// its table, as the agent does, and reports its peak resident memory as the
// kernel counts it (VmHWM in /proc/self/status). The parent then counts the
// requests the stand-in received, and walks the listings once more to count
// their bytes uncompressed and gzip-compressed (zlib levels 1 and 6, on each
// page's body: what a compressing proxy or manager would send).
//
// One JSON line on stdout; see bench/README.md. Throws std::runtime_error
// when the child fails.

#ifndef FLECTO_BENCH_SYNC_AGENT_PROCESS_HPP_
#define FLECTO_BENCH_SYNC_AGENT_PROCESS_HPP_

#include <string>

namespace flecto::bench {

struct AgentProcessBench {
  std::string rules_path;
  int page_size = 2000;
  bool identity = false;  // ask for uncompressed answers (Accept-Encoding: identity)
  bool count_bytes = true;
};

void run_agent_process_bench(const AgentProcessBench& bench);

}  // namespace flecto::bench

#endif  // FLECTO_BENCH_SYNC_AGENT_PROCESS_HPP_
