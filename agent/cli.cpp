#include "agent/cli.hpp"

#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/config/loader.hpp"
#include "agent/daemon.hpp"
#include "agent/match_command.hpp"
#include "agent/sync/once.hpp"
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

  // One string per setting; only the ones given on the command line count.
  std::map<std::string, std::string> given;
  std::map<std::string, CLI::Option*> options;
  std::map<std::string, bool> flags;
  for (const auto& spec : setting_specs()) {
    if (spec.is_flag) {
      options[spec.name] = app.add_flag(flag_name(spec.name), flags[spec.name], spec.help);
    } else {
      options[spec.name] = app.add_option(flag_name(spec.name), given[spec.name], spec.help);
    }
  }

  bool sync_once = false, force = false, quiet = false;
  app.add_flag("--sync-once", sync_once, "sync once with the manager, write the snapshot, report, exit");
  app.add_flag("--force", force, "with --sync-once: fetch even if the snapshot holds the current version");
  app.add_flag("--quiet", quiet, "with --sync-once: print only errors");

  CLI::App* match = app.add_subcommand("match", "answer requests from a rules file, as the manager's Redirect Tester does");
  MatchCommandOptions match_options;
  std::string host, uri;
  match->add_option("--rules", match_options.rules_path, "the rules file")->required();
  auto* host_option = match->add_option("--host", host, "the request's Host header, as received");
  auto* uri_option = match->add_option("--uri", uri, "the request target, as received");
  host_option->needs(uri_option);
  uri_option->needs(host_option);
  int match_regex_mb = static_cast<int>(match_options.regex_memory_mb);
  match->add_option("--regex-memory-mb", match_regex_mb, "memory for the regex machinery, in MiB")
      ->check(CLI::Range(8, 65536));
  match->footer("Without --host/--uri, reads JSON lines {\"host\": ..., \"uri\": ...} from standard input.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (match->parsed()) {
    if (host_option->count() > 0) {
      match_options.host = host;
      match_options.uri = uri;
    }
    match_options.regex_memory_mb = static_cast<std::size_t>(match_regex_mb);
    return run_match_command(match_options, std::cin, std::cout, std::cerr);
  }

  ConfigSources sources;
  sources.config_file = config_file;
  sources.environment = settings_from_environment();
  for (const auto& spec : setting_specs()) {
    if (options[spec.name]->count() == 0) continue;
    sources.flags[spec.name] = spec.is_flag ? (flags[spec.name] ? "true" : "false") : given[spec.name];
  }
  if ((force || quiet) && !sync_once) {
    std::cerr << "flecto-agent: --force and --quiet go with --sync-once\n";
    return kExitUsage;
  }

  Config config;
  try {
    config = load_config(sources, sync_once ? RunMode::kSyncOnce : RunMode::kDaemon);
  } catch (const ConfigError& e) {
    print_config_error(e);
    return kExitUsage;
  }
  if (sync_once) return run_sync_once(config, force, quiet, std::cout, std::cerr);
  return run_daemon(config);
}

}  // namespace flecto
