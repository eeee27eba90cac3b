// flecto-bench restart: how long a real flecto-agent takes from its start
// to serving a rules file, and what memory it takes, (a) given the file with
// --rules and (b) restarting from a snapshot of it while its manager is down
// (a manager_url whose port refuses connections).
//
// The snapshot is written by the agent's own write_snapshot into a fresh
// state directory, so it follows the snapshot's format. Each run starts the
// agent (bench/agent_child.hpp), times fork/exec to the first 200 of
// /readyz, waits --settle-ms, reads VmRSS (serving) and VmHWM (peak) from
// /proc/PID/status and table_memory_bytes from /status, then stops it with
// SIGTERM and takes ru_maxrss from wait4. One JSON line per run:
//
//   {"command":"restart","source":"rules"|"snapshot","rules":N,"ready_ms":...,
//    "peak_rss_mb":...,"ru_maxrss_mb":...,"serving_rss_mb":...,"table_mb":...,
//    "peak_target_mb":...,"serving_target_mb":...,"settle_ms":...}
//
// The targets are issue 12's: peak at most 2.5 times the table plus 50 MiB,
// serving at most 1.3 times the table plus 30 MiB.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <simdjson.h>

#include "agent/rules/rules_json.hpp"
#include "agent/sync/snapshot.hpp"
#include "bench/agent_child.hpp"
#include "bench/commands.hpp"
#include "bench/scratch_dir.hpp"
#include "bench/process_memory.hpp"

namespace flecto::bench {
namespace {

struct RestartCommand {
  std::string rules_path;
  std::string source = "both";
  std::string agent_binary = default_agent_binary();
  std::string work_dir = std::filesystem::temp_directory_path().string();
  unsigned settle_ms = 2000;
  unsigned runs = 1;
  unsigned ready_limit_s = 300;
};

// Redirects plus pages the agent serves, from /status.
std::size_t served_rules(const AgentChild& agent) {
  const std::string body = agent.admin_get("/status");
  simdjson::dom::parser parser;
  simdjson::dom::object rules;
  if (parser.parse(body)["rules"].get(rules) != simdjson::SUCCESS) throw std::runtime_error("/status has no rules");
  std::size_t count = 0;
  for (const char* list : {"redirects", "pages"}) {
    simdjson::dom::object counts;
    if (rules[list].get(counts) != simdjson::SUCCESS) continue;
    for (auto [type, n] : counts) {
      std::uint64_t value = 0;
      if (n.get_uint64().get(value) == simdjson::SUCCESS) count += static_cast<std::size_t>(value);
    }
  }
  return count;
}

void measure_one(const RestartCommand& command, const std::string& source, const std::vector<std::string>& args,
                 const std::string& log_path) {
  AgentChild agent(command.agent_binary, args, log_path);
  const double ready_ms = agent.wait_ready(std::chrono::seconds(command.ready_limit_s));
  std::this_thread::sleep_for(std::chrono::milliseconds(command.settle_ms));
  const std::size_t serving = agent.proc_status_bytes("VmRSS");
  const std::size_t peak = agent.proc_status_bytes("VmHWM");
  const std::size_t table = agent.table_memory_bytes();
  const std::size_t rules = served_rules(agent);
  const AgentExit exit = agent.stop();
  if (exit.status != 0) throw std::runtime_error("the agent exited with status " + std::to_string(exit.status));
  std::printf(
      "{\"command\":\"restart\",\"source\":\"%s\",\"rules\":%zu,\"ready_ms\":%.1f,\"peak_rss_mb\":%.1f,"
      "\"ru_maxrss_mb\":%.1f,\"serving_rss_mb\":%.1f,\"table_mb\":%.1f,\"peak_target_mb\":%.1f,"
      "\"serving_target_mb\":%.1f,\"settle_ms\":%u}\n",
      source.c_str(), rules, ready_ms, mib(peak), mib(exit.max_rss_bytes), mib(serving), mib(table),
      2.5 * mib(table) + 50, 1.3 * mib(table) + 30, command.settle_ms);
  std::fflush(stdout);
}

void run_restart(const RestartCommand& command) {
  ScratchDir scratch(command.work_dir);
  const std::string log_path = scratch / "agent.log";
  if (command.source == "rules" || command.source == "both") {
    const std::string rules_path = std::filesystem::absolute(command.rules_path).string();
    for (unsigned run = 0; run < command.runs; ++run) measure_one(command, "rules", {"--rules", rules_path}, log_path);
  }
  if (command.source == "snapshot" || command.source == "both") {
    const std::string state_dir = scratch / "state";
    {
      Rules rules = read_rules_file(command.rules_path);
      write_snapshot(state_dir, rules);
    }
    release_free_heap();  // the parent's copy is gone before the agent starts
    RefusedPort manager;
    const std::vector<std::string> args = {"--manager-url", manager.url(), "--namespace-code", "bench",
                                           "--project-code", "bench", "--token-jwt", "bench-token",
                                           "--state-dir", state_dir, "--interval-check", "1h"};
    for (unsigned run = 0; run < command.runs; ++run) measure_one(command, "snapshot", args, log_path);
  }
}

}  // namespace

void add_restart_command(CLI::App& app) {
  auto command = std::make_shared<RestartCommand>();
  CLI::App* sub = app.add_subcommand(
      "restart", "time to ready and memory of a flecto-agent process started on a rules file or its snapshot");
  sub->add_option("--rules", command->rules_path, "the rules file to serve")->required()->check(CLI::ExistingFile);
  sub->add_option("--source", command->source, "rules: --rules FILE; snapshot: a snapshot of it; both")
      ->check(CLI::IsMember({"rules", "snapshot", "both"}))
      ->capture_default_str();
  sub->add_option("--agent", command->agent_binary, "the flecto-agent binary")->capture_default_str();
  sub->add_option("--work-dir", command->work_dir, "where the state directory and the agent's log are made")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  sub->add_option("--settle-ms", command->settle_ms, "wait after ready before reading the serving RSS")
      ->capture_default_str();
  sub->add_option("--runs", command->runs, "runs per source")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--ready-limit-s", command->ready_limit_s, "give up when not ready after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->callback([command] { run_restart(*command); });
}

}  // namespace flecto::bench
