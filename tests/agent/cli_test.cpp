// --check-config and --print-config through the real binary: they load and
// check everything, start nothing, and never print a token.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent/exit_status.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using flecto::test::run_program;
using flecto::test::RunResult;
using flecto::test::TempDir;

namespace {

const std::map<std::string, std::string> kNoCredentials = {{"CREDENTIALS_DIRECTORY", ""}};

RunResult agent(const std::vector<std::string>& args) {
  return run_program(FLECTO_AGENT_BINARY, args, "", kNoCredentials);
}

// Three projects, five hosts; the tokens are in the file and in a token file.
std::string valid_config(const TempDir& dir) {
  const std::string token = dir.write("token-es", "es-secret-token-123\n");
  return dir.write("agent.toml",
                   "manager_url = \"https://flecto.example.com\"\nnamespace_code = \"prod\"\n"
                   "project_code = \"main-site\"\ntoken_jwt = \"root-secret-token-456\"\nagent_name = \"edge-1\"\n"
                   // Ports no test binds: the check must not bind them anyway.
                   "listen = \"127.0.0.1:1\"\nadmin_listen = \"127.0.0.1:2\"\n"
                   "[[host_configs]]\nhosts = [\"example.com\", \"www.example.com\", \"example.fr\"]\n"
                   "project_code = \"site-fr\"\n"
                   "[[host_configs]]\nhosts = [\"example.es\", \"*.example.es\"]\nproject_code = \"site-es\"\n"
                   "manager_url = \"http://127.0.0.1:1\"\nnamespace_code = \"iberia\"\n"
                   "token_file = \"" + token + "\"\ninterval_check = \"10m\"\n");
}

void check_no_token(const RunResult& r) {
  for (const char* token : {"es-secret-token-123", "root-secret-token-456"}) {
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(r.err.find(token) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("cli: --check-config on a valid configuration says so and exits 0") {
  TempDir dir;
  const RunResult r = agent({"--check-config", "--config", valid_config(dir)});
  INFO(r.out << r.err);
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == "flecto-agent: configuration OK: 3 projects, 5 hosts (the others: project \"main-site\")\n");
  check_no_token(r);
}

TEST_CASE("cli: --check-config reports every problem on stderr and exits 2") {
  TempDir dir;
  const std::string config = dir.write(
      "agent.toml", "manager_url = \"https://flecto.example.com\"\nnamespace_code = \"prod\"\n"
                    "token_jwt = \"root-secret-token-456\"\nlisten = \"8080\"\n"
                    "[[host_configs]]\nhosts = [\"example.com/x\"]\nproject_code = \"a\"\n"
                    "[[host_configs]]\nhosts = [\"b.example\"]\ntoken_file = \"" + (dir / "missing") + "\"\n");
  const RunResult r = agent({"--check-config", "--config", config});
  INFO(r.out << r.err);
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.out.empty());
  CHECK(r.err.find("flecto-agent: invalid configuration:") == 0);
  CHECK(r.err.find("  listen: ") != std::string::npos);
  CHECK(r.err.find("  host_configs[0].hosts[0]: \"example.com/x\": a host name, without a path\n") != std::string::npos);
  CHECK(r.err.find("  host_configs[1]: project_code is required\n") != std::string::npos);
  CHECK(r.err.find("  host_configs[1].token_file: cannot read \"" + (dir / "missing") +
                   "\": no such file or directory\n") != std::string::npos);
  check_no_token(r);
}

TEST_CASE("cli: --check-config takes the settings flags, which beat the file") {
  TempDir dir;
  const std::string config = valid_config(dir);
  RunResult r = agent({"--check-config", "--config", config, "--interval-check", "soon"});
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.err.find("interval_check: invalid duration \"soon\"") != std::string::npos);
  r = agent({"--check-config", "--manager-url", "https://m.example", "--namespace-code", "n", "--project-code", "p",
             "--token-jwt", "root-secret-token-456", "--agent-name", "edge-1"});
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == "flecto-agent: configuration OK: 1 project, every host\n");
  check_no_token(r);
}

TEST_CASE("cli: --print-config prints the resolved configuration and never a token") {
  TempDir dir;
  const RunResult r = agent({"--print-config", "--config", valid_config(dir), "--page-size", "77"});
  INFO(r.out << r.err);
  CHECK(r.status == flecto::kExitOk);
  check_no_token(r);
  CHECK(r.out.find("\npage_size = 77\n") != std::string::npos);
  CHECK(r.out.find("\ntoken = \"(set)\"\n") != std::string::npos);
  CHECK(r.out.find("\ntoken = \"(set, from " + (dir / "token-es") + ")\"\n") != std::string::npos);
  CHECK(r.out.find("\n[[host_configs]]\nhosts = [\"example.es\", \"*.example.es\"]\nproject_code = \"site-es\"\n"
                   "manager_url = \"http://127.0.0.1:1\"\nnamespace_code = \"iberia\"\n") != std::string::npos);
  CHECK(r.out.find("interval_check = \"10m\"\npage_size = 77\n") != std::string::npos);  // inherited flag value
}

TEST_CASE("cli: --print-config of an invalid configuration gives the problems and 2") {
  TempDir dir;
  const std::string config = dir.write("agent.toml", "token_jwt = \"root-secret-token-456\"\n"
                                                     "[[host_configs]]\nhosts = []\nproject_code = \"a\"\n");
  const RunResult r = agent({"--print-config", "--config", config});
  CHECK(r.status == flecto::kExitUsage);
  CHECK(r.out.empty());
  CHECK(r.err.find("host_configs[0].hosts: empty") != std::string::npos);
  check_no_token(r);
}

TEST_CASE("cli: --check-config and --print-config do not go with --sync-once, each other or match") {
  TempDir dir;
  const std::string config = valid_config(dir);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--check-config", "--sync-once", "--config", config},
        std::vector<std::string>{"--print-config", "--sync-once", "--config", config},
        std::vector<std::string>{"--print-config", "--check-config", "--config", config},
        std::vector<std::string>{"--check-config", "--force", "--config", config},
        std::vector<std::string>{"--check-config", "match", "--rules", config, "--host", "a", "--uri", "/"}}) {
    INFO(args[0] << " " << args[1]);
    const RunResult r = agent(args);
    CHECK(r.status == flecto::kExitUsage);
    CHECK(r.out.find("configuration OK") == std::string::npos);
  }
}

TEST_CASE("cli: --check-config serving a rules file warns of the host_configs it does not use") {
  TempDir dir;
  const std::string config = dir.write("agent.toml", "rules = \"/nonexistent/rules.json\"\nagent_name = \"edge-1\"\n"
                                                     "[[host_configs]]\nhosts = [\"a.example\"]\nproject_code = \"a\"\n");
  const RunResult r = agent({"--check-config", "--config", config});
  CHECK(r.status == flecto::kExitOk);
  CHECK(r.out == "flecto-agent: configuration OK: serves the rules file \"/nonexistent/rules.json\"\n");
  CHECK(r.err.find("flecto-agent: warning: host_configs: ignored") != std::string::npos);
}
