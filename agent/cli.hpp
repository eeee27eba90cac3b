// The flecto-agent command line:
//
//   flecto-agent [SETTINGS]                     run the agent (sync and serve)
//   flecto-agent --sync-once [--force] [--quiet] [SETTINGS]
//   flecto-agent match --rules FILE [--host H --uri U]
//
// Exit statuses: 0 success; 2 a configuration or usage error; for
// --sync-once also 3 (manager unreachable), 4 (HTTP error from the manager)
// and 5 (invalid data from the manager).

#ifndef FLECTO_AGENT_CLI_HPP_
#define FLECTO_AGENT_CLI_HPP_

namespace flecto {

inline constexpr int kExitUsage = 2;

int run_cli(int argc, char** argv);

}  // namespace flecto

#endif  // FLECTO_AGENT_CLI_HPP_
