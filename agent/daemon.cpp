#include "agent/daemon.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent/admin/server.hpp"
#include "agent/config/listen_address.hpp"
#include "agent/projects/request_counters.hpp"
#include "agent/edge/server.hpp"
#include "agent/exit_status.hpp"
#include "agent/manager/client.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/service/logging.hpp"
#include "agent/service/status_text.hpp"
#include "agent/service/systemd_notify.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/loop.hpp"
#include "agent/sync/serve_table.hpp"
#include "agent/sync/snapshot.hpp"

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

// Loads the rules file into `served`. False (and the table kept) on failure.
bool serve_rules_file(const Config& config, ServedTable& served, SyncStatus& status) {
  auto started = Clock::now();
  try {
    Load load = load_from_rules(read_rules_file(config.rules_file), table_options_from(config));
    auto took = Clock::now() - started;
    for (const auto& skipped : load.built.skipped) spdlog::warn("rule skipped: {}", skipped.describe());
    serve_table(served, status, load.built.table, TableSource::kRulesFile, took);
    // The file is read in one go: the attempt is the success.
    status.update([](SyncState& s) { s.last_attempt_time = s.last_success_time; });
    spdlog::info("serving {} (version {}): {}, loaded in {}", config.rules_file,
                 load.built.table->version(), describe_counts(load.built.table->stats()),
                 describe_millis(took));
    return true;
  } catch (const std::exception& e) {
    status.update([&](SyncState& s) {
      s.last_attempt_time = std::chrono::system_clock::now();
      s.last_result = SyncResult::kError;
      s.last_error = e.what();
      ++s.syncs_error;
    });
    spdlog::error("cannot serve the rules file: {}", e.what());
    return false;
  }
}

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Starts the edge listener, and the admin one unless admin_listen is empty.
// False, after logging why, when one cannot be started.
bool start_listeners(const Config& config, EdgeServer& edge, AdminServer& admin) {
  try {
    edge.start(parse_listen_address(config.listen));
    spdlog::info("edge listener on {} with {} event loops", config.listen, edge.loop_count());
    if (!config.admin_listen.empty()) {
      admin.start(parse_listen_address(config.admin_listen));
      spdlog::info("admin listener on {}", config.admin_listen);
    }
    return true;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return false;
  }
}

// What STATUS= says is made of.
ServiceFacts service_facts(const ServedTable& served, const SyncState& sync, bool from_rules_file) {
  ServiceFacts facts;
  if (const auto table = served.current()) {
    const TableStats stats = table->stats();
    facts.version = table->version();
    facts.rules = stats.redirects() + stats.pages();
  }
  facts.from_rules_file = from_rules_file;
  facts.last_check_ok = sync.last_check_success_time;
  facts.failing_since = sync.failing_since;
  return facts;
}

// Answers `signals` until SIGTERM or SIGINT, and keeps systemd told: ready
// once a table is served or the first sync was tried, STATUS= whenever what
// it says changes (at most once a second); the watchdog fed while the sync
// loop ticks (`loop` is null with a rules file, which is always fed).
void answer_signals_until_stopped(const Config& config, const sigset_t& signals, ServedTable& served,
                                  SyncStatus& status, SyncLoop* loop,
                                  const std::atomic<Clock::rep>& last_tick) {
  bool ready_sent = false;
  std::string status_sent;
  const auto watchdog_grace = std::chrono::seconds(30);
  for (;;) {
    const SyncState sync = status.get();
    const std::string now_true =
        service_status_text(service_facts(served, sync, loop == nullptr), std::chrono::system_clock::now());
    if (!ready_sent && (served.current() || sync.last_attempt_time)) {
      notify_ready(now_true);
      ready_sent = true;
      status_sent = now_true;
    } else if (ready_sent && now_true != status_sent) {
      notify_status(now_true);
      status_sent = now_true;
    }
    auto since_tick = Clock::now() - Clock::time_point(Clock::duration(last_tick.load()));
    if (loop == nullptr || since_tick < watchdog_grace) notify_watchdog();

    timespec wait{1, 0};
    int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: {}", loop ? "syncing now" : "reading the rules file again");
      if (loop) loop->request_sync_now();
      else serve_rules_file(config, served, status);
    } else if (signal == SIGTERM || signal == SIGINT) {
      spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      notify_stopping();
      return;
    }
  }
}

}  // namespace

int run_daemon(const Config& config) {
  // load_config checked log_format.
  setup_logging(config.log_level, parse_log_format(config.log_format).value_or(LogFormat::kText));
  for (const auto& warning : config.warnings) spdlog::warn("{}", warning);
  // Every thread started from here on inherits the mask, so the signals
  // reach only the sigtimedwait() in answer_signals_until_stopped().
  sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServedTable served;
  SyncStatus status;
  RequestCounters counters;
  bool syncing = config.rules_file.empty();

  if (!syncing && !serve_rules_file(config, served, status)) return kExitUsage;

  std::unique_ptr<ManagerClient> client;
  std::unique_ptr<SyncLoop> loop;
  // When the sync loop last showed it was alive; the watchdog is fed only
  // while it does, so a stuck sync gets the service restarted.
  std::atomic<Clock::rep> last_tick{Clock::now().time_since_epoch().count()};
  if (syncing) {
    try {
      client = std::make_unique<ManagerClient>(manager_settings_from(config));
    } catch (const std::exception& e) {
      spdlog::error("manager_url: {}", e.what());
      return kExitUsage;
    }
    loop = std::make_unique<SyncLoop>(config, *client, served, status);
    loop->set_tick([&] { last_tick = Clock::now().time_since_epoch().count(); });
  }

  EdgeOptions edge_options;
  edge_options.debug_headers = config.debug_headers;
  edge_options.access_log = config.access_log;
  edge_options.threads = config.edge_threads;
  EdgeServer edge(served, counters, edge_options);
  AdminInfo info{syncing ? loop->agent_name() : config.agent_name, config.manager_url,
                 config.namespace_code, config.project_code, config.rules_file,
                 syncing ? snapshot_path(config.state_dir, config.snapshot_name) : std::string()};
  AdminServer admin(served, status, counters, info);
  if (!start_listeners(config, edge, admin)) return kExitCannotListen;

  std::jthread sync_thread;
  if (syncing) sync_thread = std::jthread([&](std::stop_token stop) { loop->run(stop); });
  answer_signals_until_stopped(config, signals, served, status, loop.get(), last_tick);

  if (sync_thread.joinable()) {
    sync_thread.request_stop();
    sync_thread.join();
  }
  edge.stop();
  admin.stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace flecto
