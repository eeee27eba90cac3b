// A child process for end-to-end tests (the real flecto-agent binary, or a
// shell that sets limits and then starts it), started with arguments and
// extra environment, its output kept in files. The destructor kills and
// reaps it, so a failing test leaves nothing behind.

#ifndef FLECTO_TESTS_SUPPORT_CHILD_PROCESS_HPP_
#define FLECTO_TESTS_SUPPORT_CHILD_PROCESS_HPP_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flecto::test {

class ChildProcess {
 public:
  // Starts `program` with `args` (argv[0] is added) and the test's
  // environment plus `env`. Throws std::runtime_error when it cannot start.
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void send_signal(int signal) const;

  // The exit status once the process ended within `timeout`; a process
  // killed by a signal gives 128 + the signal. std::nullopt on time-out.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string dir_;  // holds stdout and stderr
};

// Runs `program` to its end (killed after `timeout`) and returns its exit
// status; standard input comes from `input`.
struct RunResult {
  int status = -1;
  std::string out, err;
};
RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::string& input = "",
                      const std::map<std::string, std::string>& env = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace flecto::test

#endif  // FLECTO_TESTS_SUPPORT_CHILD_PROCESS_HPP_
