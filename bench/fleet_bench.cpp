// flecto-bench fleet: what one publish costs the manager when a fleet of
// agents syncs from it directly, and when the same agents sync through one
// relay (agent/relay/).
//
// Everything runs in this process, with the real code: the stand-in
// manager serves the rules file; each downstream agent is a SyncLoop with
// its own ManagerClient and served table (no state directory: no
// snapshot); the relay is a SyncLoop feeding a RelayStore, served by a
// RelayServer on loopback, as flecto-agent wires them with relay_listen.
// Every loop polls every --interval-ms (with the agent's ±10% jitter).
//
// For each mode: start the fleet, wait until every agent serves the
// rules' version, then publish the next version (one target in 1,000
// changed) and wait until every agent serves it. One JSON line per mode:
//   mode                 "direct" or "relay"
//   agents, rules        the fleet, the rules in the project
//   interval_ms          each loop's polling interval
//   page_size            each agent's listing page size
//   first_sync_ms        start until every agent served the first version
//   publish_ms           publish until every agent served the new version
//   relay_ms             publish until the relay served it ("relay" only)
//   manager_requests     requests the manager received from the publish
//                        until every agent reported the new version, by
//                        endpoint (version, redirects, pages, agents, hit)
//   manager_listing_mb   the bytes of the listing answers in that window,
//                        as sent (gzip-compressed: the agents accept gzip)
//   manager_mb           the bytes of every answer in that window
//   reports              reports of the new version the manager received
//                        (each agent's, and the relay's)
//   load_median_ms,      the load_duration of those reports (fetch and
//   load_max_ms          build, as each agent measured its own): on one
//                        machine, every agent shares its 2 cores, so
//                        publish_ms is bound by the fleet's CPU, where a
//                        real fleet has a machine per agent
//   relay_requests       downstream requests the relay answered in that
//                        window, every endpoint ("relay" only)
//   peak_rss_mb          this process's peak RSS so far (VmHWM)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "agent/manager/client.hpp"
#include "agent/relay/relay_server.hpp"
#include "agent/relay/relay_store.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/loop.hpp"
#include "bench/commands.hpp"
#include "bench/process_memory.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::bench {
namespace {

using Clock = std::chrono::steady_clock;
using standin::Endpoint;
using standin::StandinManager;

struct FleetBenchCommand {
  std::string rules_path;
  unsigned agents = 50;
  std::string mode = "both";
  int interval_ms = 5000;
  int page_size = ListingLimits{}.redirects;
  int timeout_s = 600;
};

// One agent's sync, on its own thread: what flecto-agent runs per project.
struct SyncedAgent {
  SyncedAgent(Config config, SyncLoopOptions options)
      : client(manager_settings_from(config)), loop(std::move(config), client, served, status, std::move(options)) {
    thread = std::jthread([this](std::stop_token stop) { loop.run(stop); });
  }
  std::int64_t version() const {
    auto table = served.current();
    return table ? table->version() : -1;
  }

  ManagerClient client;
  ServedTable served;
  SyncStatus status;
  SyncLoop loop;
  std::jthread thread;  // last: stopped and joined first
};

Config agent_config(const FleetBenchCommand& command, const StandinManager& manager, const std::string& url,
                    const std::string& name) {
  Config config;
  config.manager_url = url;
  config.namespace_code = manager.options().namespace_code;
  config.project_code = manager.options().project_code;
  config.token = manager.options().token;
  config.agent_name = name;
  config.interval_check = std::chrono::milliseconds(command.interval_ms);
  config.listing_limits = command.page_size;
  config.read_timeout = std::chrono::seconds(120);
  config.sync_timeout = std::chrono::seconds(command.timeout_s);
  return config;
}

// The relay of a site: a sync feeding the store the relay listener serves.
struct InProcessRelay {
  InProcessRelay(const FleetBenchCommand& command, const StandinManager& manager)
      : server(store, nullptr, counters) {
    SyncLoopOptions options;
    options.on_served_rules = [this](const Config& config, const Rules& rules) { store.offer(config, rules); };
    sync = std::make_unique<SyncedAgent>(agent_config(command, manager, manager.url(), "fleet-relay"), options);
    server.start(ListenAddress{"127.0.0.1", 0});
  }
  ~InProcessRelay() {
    server.stop();
    sync.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
  std::uint64_t requests_answered() const {
    std::uint64_t total = 0;
    for (std::size_t e = 0; e < kRelayEndpointCount; ++e) {
      for (std::size_t r = 0; r < kRelayResultCount; ++r) {
        total += counters.requests(static_cast<RelayEndpoint>(e), static_cast<RelayResult>(r));
      }
    }
    return total;
  }

  RelayStore store;
  RelayCounters counters;
  RelayServer server;
  std::unique_ptr<SyncedAgent> sync;
};

constexpr Endpoint kEndpoints[] = {Endpoint::kVersion, Endpoint::kRedirects, Endpoint::kPages, Endpoint::kAgents,
                                   Endpoint::kHit};

struct ManagerCounts {
  std::uint64_t requests[standin::kEndpointCount] = {};
  std::uint64_t bytes[standin::kEndpointCount] = {};
  static ManagerCounts of(const StandinManager& manager) {
    ManagerCounts counts;
    for (Endpoint e : kEndpoints) {
      counts.requests[static_cast<int>(e)] = manager.request_count(e);
      counts.bytes[static_cast<int>(e)] = manager.bytes_sent(e);
    }
    return counts;
  }
};

// Polls every 5 ms until `done` or the deadline; throws at the deadline.
template <typename Done>
void wait_for(Done done, Clock::time_point deadline, const char* what) {
  while (!done()) {
    if (Clock::now() > deadline) throw std::runtime_error(std::string("fleet: timed out waiting for ") + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double mebibytes(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// The next version: the same rules, one target in 1,000 changed.
Rules next_version(Rules rules) {
  rules.version += 1;
  for (std::size_t i = 0; i < rules.redirects.size(); i += 1000) rules.redirects[i].target += "-v2";
  return rules;
}

void run_mode(const FleetBenchCommand& command, const Rules& rules, bool with_relay) {
  StandinManager manager({}, rules);
  const auto deadline = Clock::now() + std::chrono::seconds(command.timeout_s);
  const auto started = Clock::now();

  std::unique_ptr<InProcessRelay> relay;
  if (with_relay) {
    // The site's relay runs before its agents do (without a ServedProjects,
    // the in-process relay would answer them "record not found" until then,
    // where flecto-agent answers 503).
    relay = std::make_unique<InProcessRelay>(command, manager);
    wait_for(
        [&] {
          auto project = relay->store.find(manager.options().namespace_code, manager.options().project_code);
          return project && project->current();
        },
        deadline, "the relay's first version");
  }
  const std::string upstream = relay ? relay->url() : manager.url();
  std::vector<std::unique_ptr<SyncedAgent>> fleet;
  for (unsigned i = 0; i < command.agents; ++i) {
    fleet.push_back(std::make_unique<SyncedAgent>(
        agent_config(command, manager, upstream, "fleet-" + std::to_string(i)), SyncLoopOptions{}));
  }
  auto every_agent_serves = [&](std::int64_t version) {
    return std::all_of(fleet.begin(), fleet.end(), [&](const auto& agent) { return agent->version() == version; });
  };
  wait_for([&] { return every_agent_serves(rules.version); }, deadline, "the first version");
  const double first_sync_ms = millis(Clock::now() - started);
  // Every first report in, so that the window below counts the publish only.
  const std::size_t reporters = command.agents + (relay ? 1 : 0);
  wait_for([&] { return manager.reports().size() >= reporters; }, deadline, "the first reports");

  const ManagerCounts before = ManagerCounts::of(manager);
  const std::uint64_t relay_before = relay ? relay->requests_answered() : 0;
  const std::size_t reports_before = manager.reports().size();
  Rules published = next_version(rules);
  const std::int64_t version = published.version;
  const auto publish = Clock::now();
  manager.set_rules(std::move(published));
  double relay_ms = 0;
  if (relay) {
    wait_for([&] { return relay->sync->version() == version; }, deadline, "the relay");
    relay_ms = millis(Clock::now() - publish);
  }
  wait_for([&] { return every_agent_serves(version); }, deadline, "the new version");
  const double publish_ms = millis(Clock::now() - publish);
  wait_for([&] { return manager.reports().size() >= reports_before + reporters; }, deadline, "the reports");
  const ManagerCounts after = ManagerCounts::of(manager);
  const std::uint64_t relay_requests = relay ? relay->requests_answered() - relay_before : 0;

  auto requests = [&](Endpoint e) {
    return after.requests[static_cast<int>(e)] - before.requests[static_cast<int>(e)];
  };
  auto bytes = [&](Endpoint e) { return after.bytes[static_cast<int>(e)] - before.bytes[static_cast<int>(e)]; };
  std::uint64_t all_bytes = 0;
  for (Endpoint e : kEndpoints) all_bytes += bytes(e);
  // Each agent's own load of the new version (fetch and build), as it
  // reported it: what one host of a real fleet would take.
  std::vector<double> load_ms;
  for (const auto& report : manager.reports()) {
    if (report.version == version) load_ms.push_back(static_cast<double>(report.load_duration) / 1e6);
  }
  std::sort(load_ms.begin(), load_ms.end());
  const double load_median_ms = load_ms.empty() ? 0 : load_ms[load_ms.size() / 2];
  const double load_max_ms = load_ms.empty() ? 0 : load_ms.back();

  std::printf(
      "{\"mode\": \"%s\", \"agents\": %u, \"rules\": %zu, \"interval_ms\": %d, \"page_size\": %d, "
      "\"first_sync_ms\": %.0f, \"publish_ms\": %.0f, \"relay_ms\": %.0f, "
      "\"manager_requests\": {\"version\": %llu, \"redirects\": %llu, \"pages\": %llu, \"agents\": %llu, "
      "\"hit\": %llu}, \"manager_listing_mb\": %.2f, \"manager_mb\": %.2f, \"reports\": %zu, "
      "\"load_median_ms\": %.0f, \"load_max_ms\": %.0f, \"relay_requests\": %llu, \"peak_rss_mb\": %.0f}\n",
      with_relay ? "relay" : "direct", command.agents, rules.redirects.size() + rules.pages.size(),
      command.interval_ms, command.page_size, first_sync_ms, publish_ms, relay_ms,
      static_cast<unsigned long long>(requests(Endpoint::kVersion)),
      static_cast<unsigned long long>(requests(Endpoint::kRedirects)),
      static_cast<unsigned long long>(requests(Endpoint::kPages)),
      static_cast<unsigned long long>(requests(Endpoint::kAgents)),
      static_cast<unsigned long long>(requests(Endpoint::kHit)),
      mebibytes(bytes(Endpoint::kRedirects) + bytes(Endpoint::kPages)), mebibytes(all_bytes), load_ms.size(),
      load_median_ms, load_max_ms, static_cast<unsigned long long>(relay_requests),
      mebibytes(self_status_bytes("VmHWM")));
  std::fflush(stdout);
}

void run_fleet_bench(const FleetBenchCommand& command) {
  if (command.agents == 0) throw std::runtime_error("fleet: --agents must be at least 1");
  Rules rules = read_rules_file(command.rules_path);
  if (rules.version <= 0) rules.version = 1;
  // 50 loops logging each sync would be the loudest part of the run.
  spdlog::set_level(spdlog::level::warn);
  if (command.mode != "relay") run_mode(command, rules, false);
  if (command.mode != "direct") run_mode(command, rules, true);
}

}  // namespace

void add_fleet_command(CLI::App& app) {
  auto command = std::make_shared<FleetBenchCommand>();
  CLI::App* sub = app.add_subcommand("fleet", "one publish to a fleet of agents, directly and through a relay");
  sub->add_option("--rules", command->rules_path, "the rules file the stand-in manager serves")->required();
  sub->add_option("--agents", command->agents, "downstream agents")->capture_default_str();
  sub->add_option("--mode", command->mode, "direct, relay or both")
      ->check(CLI::IsMember({"direct", "relay", "both"}))
      ->capture_default_str();
  sub->add_option("--interval-ms", command->interval_ms, "each agent's (and the relay's) interval_check")
      ->check(CLI::Range(50, 3'600'000))
      ->capture_default_str();
  sub->add_option("--page-size", command->page_size, "each agent's listing page size")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  sub->add_option("--timeout", command->timeout_s, "seconds before a mode gives up")->capture_default_str();
  sub->callback([command] { run_fleet_bench(*command); });
}

}  // namespace flecto::bench
