#include "agent/cli.hpp"

#include <cstddef>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/config/loader.hpp"
#include "agent/config/print_config.hpp"
#include "agent/daemon.hpp"
#include "agent/exit_status.hpp"
#include "agent/match_command.hpp"
#include "agent/projects/plan.hpp"
#include "agent/projects/sync_projects_once.hpp"
#include "agent/version.hpp"

namespace flecto {
namespace {

std::string flag_name(std::string_view setting) {
  std::string out = "--";
  for (char c : setting) out += c == '_' ? '-' : c;
  return out;
}

void print_config_error(const ConfigError& e) {
  std::cerr << "flecto-agent: invalid configuration:\n";
  for (const auto& problem : e.problems()) std::cerr << "  " << problem << "\n";
}

// --check-config and --print-config: the configuration was loaded and is
// valid; nothing is started, nothing contacts the manager.
int report_config(const Config& config, bool print) {
  for (const auto& warning : config.warnings) std::cerr << "flecto-agent: warning: " << warning << "\n";
  if (print) {
    std::cout << render_config_toml(config);
  } else {
    std::cout << "flecto-agent: configuration OK: " << config_summary(config) << "\n";
  }
  return kExitOk;
}

// One flag per setting; only the ones given on the command line count.
class SettingFlags {
 public:
  explicit SettingFlags(CLI::App& app) {
    for (const auto& spec : setting_specs()) {
      if (spec.is_flag) {
        options_[spec.name] = app.add_flag(flag_name(spec.name), flags_[spec.name], spec.help);
      } else {
        options_[spec.name] = app.add_option(flag_name(spec.name), values_[spec.name], spec.help);
      }
    }
  }
  SettingFlags(const SettingFlags&) = delete;  // CLI11 holds references into it
  SettingFlags& operator=(const SettingFlags&) = delete;

  // The settings given on the command line, after parsing.
  SettingValues given() const {
    SettingValues on_command_line;
    for (const auto& spec : setting_specs()) {
      if (options_.at(spec.name)->count() == 0) continue;
      on_command_line[spec.name] = spec.is_flag ? (flags_.at(spec.name) ? "true" : "false") : values_.at(spec.name);
    }
    return on_command_line;
  }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, CLI::Option*> options_;
  std::map<std::string, bool> flags_;
};

// The `match` subcommand and its flags.
class MatchFlags {
 public:
  explicit MatchFlags(CLI::App& app)
      : command_(app.add_subcommand("match", "answer requests from a rules file, as the manager's Redirect Tester does")) {
    auto* rules = command_->add_option("--rules", options_.rules_path, "the rules file");
    config_option_ = command_->add_option(
        "--config", config_file_, "a configuration: answer from the snapshot of the project that answers the Host");
    rules->excludes(config_option_);
    rules_option_ = rules;
    host_option_ = command_->add_option("--host", host_, "the request's Host header, as received");
    auto* uri_option = command_->add_option("--uri", uri_, "the request target, as received");
    host_option_->needs(uri_option);
    uri_option->needs(host_option_);
    command_->add_option("--regex-memory-mb", match_regex_mb_, "memory for the regex machinery, in MiB")
        ->check(CLI::Range(8, 65536));
    command_->footer(
        "Without --host/--uri, reads JSON lines {\"host\": ..., \"uri\": ...} from standard input.\n"
        "Host and uri are matched as given; the edge first reads a raw request as the reference edge does:\n"
        "an absolute-form target gives the host, and a path that is not validly encoded is re-encoded\n"
        "(raw /caf\\xC3\\xA9 is matched as /caf%C3%A9), and a bad escape gets 400.");
  }
  MatchFlags(const MatchFlags&) = delete;  // CLI11 holds references into it
  MatchFlags& operator=(const MatchFlags&) = delete;

  bool parsed() const { return command_->parsed(); }

  // --config FILE, when given (else --rules is).
  std::optional<std::string> config_file() const {
    return config_option_->count() > 0 ? std::optional<std::string>(config_file_) : std::nullopt;
  }
  bool has_source() const { return rules_option_->count() + config_option_->count() == 1; }

  // The command's options, after parsing.
  MatchCommandOptions options() const {
    MatchCommandOptions parsed = options_;
    if (host_option_->count() > 0) {
      parsed.host = host_;
      parsed.uri = uri_;
    }
    parsed.regex_memory_mb = static_cast<std::size_t>(match_regex_mb_);
    return parsed;
  }

 private:
  CLI::App* command_;
  CLI::Option* rules_option_ = nullptr;
  CLI::Option* config_option_ = nullptr;
  std::string config_file_;
  CLI::Option* host_option_ = nullptr;
  MatchCommandOptions options_;
  std::string host_, uri_;
  int match_regex_mb_ = static_cast<int>(TableOptions::kDefaultRegexMemoryMb);
};

// `match`, from a rules file or from the projects of a configuration.
int run_match(const MatchFlags& match) {
  if (!match.has_source()) {
    std::cerr << "flecto-agent match: give --rules FILE or --config FILE\n";
    return kExitUsage;
  }
  MatchCommandOptions options = match.options();
  if (const auto config_file = match.config_file()) {
    ConfigSources sources;
    sources.config_file = *config_file;
    sources.environment = settings_from_environment();
    try {
      options.projects = plan_projects(load_config(sources, RunMode::kDaemon));
    } catch (const ConfigError& e) {
      print_config_error(e);
      return kExitUsage;
    }
  }
  return run_match_command(options, std::cin, std::cout, std::cerr);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"flecto-agent: serves a Flecto project's redirects and pages on this host, "
               "kept in sync with Flecto Manager."};
  app.set_version_flag("--version", std::string("flecto-agent ") + FLECTO_AGENT_VERSION);
  app.footer(
      "Every setting can also be given as an environment variable FLECTO_<NAME> (FLECTO_MANAGER_URL)\n"
      "or as a key of the TOML file named by --config; a flag beats the environment, which beats the file.");

  std::string config_file;
  app.add_option("--config", config_file, "a TOML file of settings (keys as the flags, with '_')");
  SettingFlags settings(app);
  bool sync_once = false, force = false, quiet = false, check_config = false, print_config = false;
  app.add_flag("--sync-once", sync_once, "sync once with the manager, write the snapshot, report, exit");
  app.add_flag("--check-config", check_config,
               "check every setting, host_configs and token file, start nothing, exit (0: valid; 2: the problems)");
  app.add_flag("--print-config", print_config,
               "print the effective configuration as TOML (tokens hidden), start nothing, exit");
  app.add_flag("--force", force, "with --sync-once: fetch even if the snapshot holds the current version");
  app.add_flag("--quiet", quiet, "with --sync-once: print only errors");
  MatchFlags match(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if ((check_config || print_config) && (match.parsed() || sync_once || (check_config && print_config))) {
    std::cerr << "flecto-agent: --check-config and --print-config go alone: not with each other, "
                 "--sync-once or match\n";
    return kExitUsage;
  }
  if (match.parsed()) return run_match(match);
  if ((force || quiet) && !sync_once) {
    std::cerr << "flecto-agent: --force and --quiet go with --sync-once\n";
    return kExitUsage;
  }

  ConfigSources sources;
  sources.config_file = config_file;
  sources.environment = settings_from_environment();
  sources.flags = settings.given();
  Config config;
  try {
    config = load_config(sources, sync_once ? RunMode::kSyncOnce : RunMode::kDaemon);
  } catch (const ConfigError& e) {
    print_config_error(e);
    return kExitUsage;
  }
  if (check_config || print_config) return report_config(config, print_config);
  if (sync_once) return sync_projects_once(config, force, quiet, std::cout, std::cerr);
  return run_daemon(config, sources);
}

}  // namespace flecto
