// flecto-bench sync-replace: a real flecto-agent process that serves
// version 1 of a rules file, synced from the stand-in manager, replaces it
// with version 2 (the same rules, every redirect's target and every page's
// content changed in its last byte: the same sizes), as a publish of the
// whole project does.
//
// Steps: the stand-in serves version 1; the agent (bench/agent_child.hpp)
// starts with an empty state directory and syncs it (first_ready_ms: start
// to the first 200 of /readyz); once the stand-in has its report (sent after
// the snapshot is written) and --settle-ms passed, VmRSS and VmHWM are read
// and VmHWM is reset to the current RSS (writing "5" to
// /proc/PID/clear_refs; "hwm_reset" says whether the kernel took it, when not
// replace_peak_rss_mb is the lifetime's peak). Then the stand-in publishes
// version 2 and the agent gets SIGHUP (a sync now, as after a reload);
// replace_ms runs from the publish to /status serving version 2 (polled
// every 2 ms), snapshot_ms to the stand-in getting its report. VmHWM then
// is the replacement's peak. One JSON line:
//
//   {"command":"sync-replace","rules":N,"page_size":P,"gzip":true,"first_ready_ms":...,
//    "replace_ms":...,"snapshot_ms":...,"hwm_reset":true,"peak_rss_before_mb":...,
//    "serving_rss_before_mb":...,"replace_peak_rss_mb":...,"serving_rss_after_mb":...,
//    "ru_maxrss_mb":...,"table_mb":...,"replace_peak_target_mb":...}
//
// replace_peak_target_mb is issue 12's bound: two tables plus 100 MiB.

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "agent/rules/rules_json.hpp"
#include "bench/agent_child.hpp"
#include "bench/commands.hpp"
#include "bench/scratch_dir.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct SyncReplaceCommand {
  std::string rules_path;
  std::string agent_binary = default_agent_binary();
  std::string work_dir = std::filesystem::temp_directory_path().string();
  int page_size = 2000;
  unsigned settle_ms = 2000;
  unsigned limit_s = 300;
  // false: the stand-in never compresses, as Flecto Manager itself does
  // (without a compressing proxy in front of it).
  bool gzip = true;
};

// The last byte changed to another of the same kind, so sizes stay.
void change_last_byte(std::string& text) {
  if (text.empty()) return;
  char& last = text.back();
  last = last == 'a' ? 'b' : 'a';
}

Rules next_version(const Rules& rules) {
  Rules next = rules;
  next.version = rules.version + 1;
  for (Redirect& redirect : next.redirects) change_last_byte(redirect.target);
  for (Page& page : next.pages) change_last_byte(page.content);
  return next;
}

double millis_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void run_sync_replace(const SyncReplaceCommand& command) {
  Rules first = read_rules_file(command.rules_path);
  first.version = 1;
  Rules second = next_version(first);
  const std::size_t rule_count = first.redirects.size() + first.pages.size();
  standin::Options options;
  options.gzip = command.gzip;
  standin::StandinManager manager(options, std::move(first));

  ScratchDir scratch(command.work_dir);
  const std::chrono::seconds limit(command.limit_s);
  AgentChild agent(command.agent_binary,
                   {"--manager-url", manager.url(), "--namespace-code", manager.options().namespace_code,
                    "--project-code", manager.options().project_code, "--token-jwt", manager.options().token,
                    "--state-dir", scratch / "state", "--interval-check", "1h", "--page-size",
                    std::to_string(command.page_size), "--sync-timeout", std::to_string(command.limit_s) + "s"},
                   scratch / "agent.log");
  const double first_ready_ms = agent.wait_ready(limit);
  if (!manager.wait_for_reports(1, limit)) throw std::runtime_error("no report of version 1: " + agent.log_tail());
  std::this_thread::sleep_for(std::chrono::milliseconds(command.settle_ms));
  const std::size_t serving_before = agent.proc_status_bytes("VmRSS");
  const std::size_t peak_before = agent.proc_status_bytes("VmHWM");
  const bool hwm_reset = agent.reset_peak_rss();

  const auto published = Clock::now();
  manager.set_rules(std::move(second));
  ::kill(agent.pid(), SIGHUP);
  double replace_ms = 0;
  for (;;) {
    if (agent.served_version() == 2) {
      replace_ms = millis_since(published);
      break;
    }
    if (!agent.running()) throw std::runtime_error("the agent exited during the sync: " + agent.log_tail());
    if (Clock::now() - published > limit) throw std::runtime_error("version 2 not served: " + agent.log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!manager.wait_for_reports(2, limit)) throw std::runtime_error("no report of version 2: " + agent.log_tail());
  const double snapshot_ms = millis_since(published);
  const std::size_t replace_peak = agent.proc_status_bytes("VmHWM");
  std::this_thread::sleep_for(std::chrono::milliseconds(command.settle_ms));
  const std::size_t serving_after = agent.proc_status_bytes("VmRSS");
  const std::size_t table = agent.table_memory_bytes();
  const AgentExit exit = agent.stop();
  if (exit.status != 0) throw std::runtime_error("the agent exited with status " + std::to_string(exit.status));

  std::printf(
      "{\"command\":\"sync-replace\",\"rules\":%zu,\"page_size\":%d,\"gzip\":%s,\"first_ready_ms\":%.1f,"
      "\"replace_ms\":%.1f,\"snapshot_ms\":%.1f,\"hwm_reset\":%s,\"peak_rss_before_mb\":%.1f,"
      "\"serving_rss_before_mb\":%.1f,\"replace_peak_rss_mb\":%.1f,\"serving_rss_after_mb\":%.1f,"
      "\"ru_maxrss_mb\":%.1f,\"table_mb\":%.1f,\"replace_peak_target_mb\":%.1f}\n",
      rule_count, command.page_size, command.gzip ? "true" : "false", first_ready_ms, replace_ms, snapshot_ms,
      hwm_reset ? "true" : "false", mib(peak_before), mib(serving_before), mib(replace_peak), mib(serving_after),
      mib(exit.max_rss_bytes), mib(table), 2 * mib(table) + 100);
}

}  // namespace

void add_sync_replace_command(CLI::App& app) {
  auto command = std::make_shared<SyncReplaceCommand>();
  CLI::App* sub = app.add_subcommand(
      "sync-replace", "a flecto-agent process replacing a synced version of a rules file by a changed one");
  sub->add_option("--rules", command->rules_path, "the rules file the stand-in serves")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--agent", command->agent_binary, "the flecto-agent binary")->capture_default_str();
  sub->add_option("--work-dir", command->work_dir, "where the state directory and the agent's log are made")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  sub->add_option("--page-size", command->page_size, "the agent's page_size")->capture_default_str();
  sub->add_flag("--no-gzip", [command](std::int64_t) { command->gzip = false; },
                "the stand-in never compresses, as the manager itself (default: gzip, as a proxy in front of it)");
  sub->add_option("--settle-ms", command->settle_ms, "wait before reading a serving RSS")->capture_default_str();
  sub->add_option("--limit-s", command->limit_s, "give up on a sync after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->callback([command] { run_sync_replace(*command); });
}

}  // namespace flecto::bench
