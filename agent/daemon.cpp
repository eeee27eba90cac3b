#include "agent/daemon.hpp"

#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "agent/admin/server.hpp"
#include "agent/config/listen_address.hpp"
#include "agent/edge/server.hpp"
#include "agent/exit_status.hpp"
#include "agent/projects/plan.hpp"
#include "agent/projects/project_set.hpp"
#include "agent/projects/request_counters.hpp"
#include "agent/projects/served_projects.hpp"
#include "agent/relay/relay_counters.hpp"
#include "agent/relay/relay_server.hpp"
#include "agent/relay/relay_store.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/rules/rules_load.hpp"
#include "agent/service/logging.hpp"
#include "agent/service/reload.hpp"
#include "agent/service/status_text.hpp"
#include "agent/service/systemd_notify.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/serve_table.hpp"
#include "agent/sync/strict_versions.hpp"

namespace flecto {
namespace {

using Clock = std::chrono::steady_clock;

// Loads the rules file into `project`. False (and the table kept) on failure.
bool serve_rules_file(const Config& config, ServedProject& project) {
  auto started = Clock::now();
  try {
    BuildResult built = load_rules_file(config.rules_file, table_options_from(config));
    auto took = Clock::now() - started;
    if (rejects(config.on_invalid_rules, built)) {
      const auto served = project.served.current();
      throw std::runtime_error(config.rules_file + ": " +
                               rejection_message(built.table->version(), built.skipped,
                                                 served ? std::optional(served->version()) : std::nullopt));
    }
    for (const auto& skipped : built.skipped) spdlog::warn("rule skipped: {}", skipped.describe());
    serve_table(project.served, project.status, built.table, TableSource::kRulesFile, took);
    ::malloc_trim(0);  // the file's parse freed more than it keeps: give it back
    // The file is read in one go: the attempt is the success.
    project.status.update([](SyncState& s) { s.last_attempt_time = s.last_success_time; });
    spdlog::info("serving {} (version {}): {}, loaded in {}", config.rules_file,
                 built.table->version(), describe_counts(built.table->stats()),
                 describe_millis(took));
    return true;
  } catch (const std::exception& e) {
    project.status.update([&](SyncState& s) {
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

// What STATUS= says is made of: the projects' tables and syncs, summed.
ServiceFacts service_facts(const ProjectRouting* routing, bool from_rules_file) {
  ServiceFacts facts;
  facts.from_rules_file = from_rules_file;
  if (!routing) return facts;
  facts.projects = routing->projects().size();
  for (const RoutedProject& routed : routing->projects()) {
    const SyncState sync = routed.project->status.get();
    if (const auto table = routed.project->served.current()) {
      ++facts.serving;
      facts.version = table->version();
      const TableStats stats = table->stats();
      facts.rules += stats.redirects() + stats.pages();
    }
    // The stalest check and the oldest failure speak for the whole host.
    if (sync.last_check_success_time && (!facts.last_check_ok || *sync.last_check_success_time < *facts.last_check_ok)) {
      facts.last_check_ok = sync.last_check_success_time;
    }
    if (sync.failing_since && (!facts.failing_since || *sync.failing_since < *facts.failing_since)) {
      facts.failing_since = sync.failing_since;
    }
  }
  return facts;
}

// Whether every project serves a table or has tried a sync: start-up is over.
bool started_up(const ProjectRouting* routing) {
  if (!routing) return false;
  return std::all_of(routing->projects().begin(), routing->projects().end(), [](const RoutedProject& r) {
    return r.project->served.current() || r.project->status.get().last_attempt_time;
  });
}

// The daemon's state between signals.
struct Running {
  Config config;
  const ConfigSources& sources;
  ServedProjects& served;
  ProjectSet* projects;       // null with a rules file
  ServedProject* rules_file;  // the rules file's project, or null
  ReloadStatus& reloads;
};

void on_sighup(Running& running) {
  if (running.rules_file) {
    spdlog::info("SIGHUP: reading the rules file again");
    serve_rules_file(running.config, *running.rules_file);
    return;
  }
  spdlog::info("SIGHUP: reloading the configuration");
  notify_reloading();
  ReloadResult result = reload_configuration(running.sources, running.config, *running.projects, running.reloads);
  if (result.applied) running.config = std::move(result.config);
  notify_ready();
}

// Answers signals until SIGTERM or SIGINT, and keeps systemd told: ready
// once start-up is over, STATUS= whenever what it says changes (at most
// once a second); the watchdog fed while every sync loop ticks.
void answer_signals_until_stopped(Running& running, const sigset_t& signals) {
  bool ready_sent = false;
  std::string status_sent;
  const auto watchdog_grace = std::chrono::seconds(30);
  for (;;) {
    const auto routing = running.served.current();
    const std::string now_true = service_status_text(service_facts(routing.get(), running.rules_file != nullptr),
                                                     std::chrono::system_clock::now());
    if (!ready_sent && started_up(routing.get())) {
      notify_ready(now_true);
      ready_sent = true;
      status_sent = now_true;
    } else if (ready_sent && now_true != status_sent) {
      notify_status(now_true);
      status_sent = now_true;
    }
    if (!running.projects || Clock::now() - running.projects->oldest_tick() < watchdog_grace) notify_watchdog();

    timespec wait{1, 0};
    int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGHUP) {
      on_sighup(running);
    } else if (signal == SIGTERM || signal == SIGINT) {
      spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      notify_stopping();
      return;
    }
  }
}

}  // namespace

int run_daemon(const Config& config, const ConfigSources& sources) {
  // load_config checked log_format.
  setup_logging(config.log_level, parse_log_format(config.log_format).value_or(LogFormat::kText));
  for (const auto& warning : config.warnings) spdlog::warn("{}", warning);
  // Every thread started from here on inherits the mask, so the signals
  // reach only the sigtimedwait() in answer_signals_until_stopped().
  sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServedProjects served;
  RequestCounters unrouted;
  ReloadStatus reloads;
  RelayStore relay_store;  // before the syncs that feed it, so it outlives them
  RelayCounters relay_counters;
  std::unique_ptr<ProjectSet> projects;
  std::shared_ptr<ServedProject> rules_file;
  std::string agent_name = config.agent_name;

  if (!config.rules_file.empty()) {
    ProjectIdentity identity;
    identity.label = "rules-file";
    identity.rules_file = config.rules_file;
    rules_file = std::make_shared<ServedProject>(identity);
    if (!serve_rules_file(config, *rules_file)) return kExitUsage;
    served.swap_in(single_project_routing(rules_file));
  } else {
    SyncLoopOptions sync_options;
    if (!config.relay_listen.empty()) {
      // Every version a sync serves is relayed too.
      sync_options.on_served_rules = [&relay_store](const Config& project, const Rules& rules) {
        relay_store.offer(project, rules);
      };
    }
    projects = std::make_unique<ProjectSet>(served, sync_options);
    try {
      const ProjectChanges started = projects->apply(plan_projects(config));
      if (started.added.size() > 1) spdlog::info("serving {} projects", started.added.size());
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return kExitUsage;
    }
    agent_name = projects->agent_name();
  }

  EdgeOptions edge_options;
  edge_options.debug_headers = config.debug_headers;
  edge_options.answers = {config.permanent_redirect_cache_control, config.temporary_redirect_cache_control,
                          config.page_cache_control, {config.query_fallback, config.query_preserve}};
  edge_options.access_log = config.access_log;
  edge_options.threads = config.edge_threads;
  EdgeServer edge(served, unrouted, edge_options);
  AdminServer admin(served, unrouted, reloads, AdminInfo{agent_name, {config.query_fallback, config.query_preserve}});
  if (!config.relay_listen.empty()) admin.show_relay(relay_store, relay_counters);
  if (!start_listeners(config, edge, admin)) return kExitCannotListen;
  RelayServerOptions relay_options;
  relay_options.tls_cert_file = config.relay_tls_cert;
  relay_options.tls_key_file = config.relay_tls_key;
  relay_options.auth_ttl = config.relay_auth_ttl;
  RelayServer relay(relay_store, &served, relay_counters, relay_options);
  if (projects && !config.relay_listen.empty()) {
    try {
      relay.start(parse_listen_address(config.relay_listen));
      spdlog::info("relay listener on {}{}", config.relay_listen, relay.tls() ? " (TLS)" : "");
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return kExitCannotListen;
    }
  }

  if (projects) projects->start();
  Running running{config, sources, served, projects.get(), rules_file.get(), reloads};
  answer_signals_until_stopped(running, signals);

  relay.stop();
  if (projects) projects->stop();
  edge.stop();
  admin.stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace flecto
