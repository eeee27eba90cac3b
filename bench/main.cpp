// flecto-bench: measures the matcher and the sync on large rule sets. See
// bench/README.md.

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "bench/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"flecto-bench: measures flecto-agent on large rule sets"};
  app.require_subcommand(1);
  flecto::bench::add_generate_command(app);
  flecto::bench::add_match_command(app);
#ifdef FLECTO_BENCH_SYNC
  flecto::bench::add_sync_command(app);
  flecto::bench::add_sync_replace_command(app);
  flecto::bench::add_fleet_command(app);
#endif
  flecto::bench::add_restart_command(app);
  flecto::bench::add_latency_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flecto-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
