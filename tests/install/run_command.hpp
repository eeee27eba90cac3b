// Runs a shell command and keeps its exit status and its output (standard
// output and standard error together), for the tests of what is installed.

#ifndef FLECTO_TESTS_INSTALL_RUN_COMMAND_HPP_
#define FLECTO_TESTS_INSTALL_RUN_COMMAND_HPP_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace flecto::test {

struct CommandResult {
  int exit_status;  // -1: did not run or did not exit normally
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result{-1, {}};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

// `text` quoted for the shell, as one word.
inline std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace flecto::test

#endif  // FLECTO_TESTS_INSTALL_RUN_COMMAND_HPP_
