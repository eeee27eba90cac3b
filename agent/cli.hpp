// The flecto-agent command line:
//
//   flecto-agent [SETTINGS]                     run the agent (sync and serve)
//   flecto-agent --sync-once [--force] [--quiet] [SETTINGS]
//   flecto-agent --check-config [SETTINGS]      validate, start nothing, exit
//   flecto-agent --print-config [SETTINGS]      the effective configuration, tokens hidden
//   flecto-agent match --rules FILE [--host H --uri U]
//
// Returns the exit status (agent/exit_status.hpp).

#ifndef FLECTO_AGENT_CLI_HPP_
#define FLECTO_AGENT_CLI_HPP_

namespace flecto {

int run_cli(int argc, char** argv);

}  // namespace flecto

#endif  // FLECTO_AGENT_CLI_HPP_
