// The subcommands of flecto-bench, one file each.
//
// Each add_*_command declares its subcommand on `app` with its options and a
// callback that runs it. A callback reports failure by throwing
// std::runtime_error with a one-line message; main() prints it and exits
// with status 1. Results go to standard output as one JSON line, so that
// runs can be collected with a shell loop.

#ifndef FLECTO_BENCH_COMMANDS_HPP_
#define FLECTO_BENCH_COMMANDS_HPP_

namespace CLI {
class App;
}

namespace flecto::bench {

// flecto-bench generate SET --out-rules FILE --out-queries FILE [--seed N] [--queries N]
void add_generate_command(CLI::App& app);

// flecto-bench match --rules FILE --queries FILE.jsonl [--seconds S] [--threads T]
void add_match_command(CLI::App& app);

#ifdef FLECTO_BENCH_SYNC
// flecto-bench sync --rules FILE [--page-size N] [--readers R]
//                   [--agent-process [--identity] [--no-bytes]]
// Built only with the tests, whose stand-in manager it runs (bench/README.md).
void add_sync_command(CLI::App& app);

// flecto-bench sync-replace --rules FILE [--agent PATH] [--page-size N] [--no-gzip] [--settle-ms MS]
// A flecto-agent process replacing a synced version by a changed one (bench/sync_replace_bench.cpp).
void add_sync_replace_command(CLI::App& app);

// flecto-bench fleet --rules FILE [--agents N] [--mode direct|relay|both] [--interval-ms MS]
//                    [--page-size N] [--timeout S]
// One publish to N agents syncing directly, and through one relay (bench/fleet_bench.cpp).
void add_fleet_command(CLI::App& app);
#endif

// flecto-bench restart --rules FILE [--source rules|snapshot|both] [--agent PATH] [--settle-ms MS]
// A flecto-agent process started on a rules file or its snapshot (bench/restart_bench.cpp).
void add_restart_command(CLI::App& app);

// flecto-bench latency [--mb M...] [--accesses N]
void add_latency_command(CLI::App& app);

}  // namespace flecto::bench

#endif  // FLECTO_BENCH_COMMANDS_HPP_
