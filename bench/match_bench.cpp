// flecto-bench match: builds the table from a rules file and matches queries
// against it for a while, on one or more threads.
//
// One line of JSON on stdout:
//   rules              redirects + pages in the file
//   build_ms           Table::build alone (not reading the file), CPU time
//                      of the building thread; build_wall_ms is wall time
//   table_mb           TableStats::memory_bytes in MiB: what the table itself
//                      counts as its heap memory, regex programs included
//   rss_mb             resident memory of the process after the build minus
//                      before it, in MiB (the kernel's view; both taken after
//                      returning free heap pages, the rules kept alive)
//   rss_after_match_mb the same difference after the timed run, which adds
//                      the DFA caches RE2 fills lazily while matching
//   ns_per_match       CPU time of the matching threads per request; one
//                      request is what serving does: match_redirect, then
//                      match_page if no redirect. CPU time, not wall time, so
//                      that other load on a shared machine does not count
//                      (wall_ns_per_match is the wall-clock figure)
//   matches_per_sec    requests answered per wall-clock second, all threads
//   hits               requests of the queries file that get a redirect or a
//                      page (one pass, made before the timed run as warm-up)
// plus queries, matches, threads, seconds, regex_sets, skipped, load_ms,
// build_wall_ms, wall_ns_per_match.

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>

#include <CLI/CLI.hpp>

#include "agent/match_command.hpp"
#include "agent/rules/rules_json.hpp"
#include "bench/commands.hpp"
#include "bench/process_memory.hpp"
#include "matcher/table.hpp"

namespace flecto::bench {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the calling thread, in nanoseconds.
double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

struct MatchBenchCommand {
  std::string rules_path;
  std::string queries_path;
  double seconds = 5;
  unsigned threads = 1;
  std::size_t regex_memory_mb = TableOptions::kDefaultRegexMemoryMb;
};

std::vector<MatchQuery> read_queries(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the queries file");
  simdjson::dom::parser parser;
  std::vector<MatchQuery> queries;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      queries.push_back(parse_match_query(parser, line));
    } catch (const JsonShapeError& e) {
      throw std::runtime_error(path + ": line " + std::to_string(number) + ": " + e.what());
    }
  }
  if (queries.empty()) throw std::runtime_error(path + ": no queries");
  return queries;
}

// What serving does for one request.
bool answer(const Table& table, const MatchQuery& q) {
  if (table.match_redirect(q.host, q.uri)) return true;
  return table.match_page(q.host, q.uri).has_value();
}

struct ThreadResult {
  std::uint64_t matches = 0;
  double elapsed_ns = 0;  // wall clock
  double cpu_ns = 0;
};

// Cycles through the queries from `start` until `stop` is set.
void match_until(const Table& table, const std::vector<MatchQuery>& queries, std::size_t start,
                 const std::atomic<bool>& stop, ThreadResult& result) {
  // Counted locally: the threads' results share cache lines.
  std::uint64_t matches = 0;
  std::size_t i = start;
  auto begin = Clock::now();
  double cpu_begin = thread_cpu_ns();
  while (!stop.load(std::memory_order_relaxed)) {
    for (int k = 0; k < 256; ++k) {  // the stop flag is checked once per 256 requests
      (void)answer(table, queries[i]);
      if (++i == queries.size()) i = 0;
    }
    matches += 256;
  }
  result.cpu_ns = thread_cpu_ns() - cpu_begin;
  result.matches = matches;
  result.elapsed_ns = std::chrono::duration<double, std::nano>(Clock::now() - begin).count();
}

double mib(double bytes) { return bytes / (1 << 20); }

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

void run(const MatchBenchCommand& command) {
  std::vector<MatchQuery> queries = read_queries(command.queries_path);

  auto load_start = Clock::now();
  Rules rules = read_rules_file(command.rules_path);
  double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();

  TableOptions options;
  options.regex_memory_budget = command.regex_memory_mb << 20;
  release_free_heap();
  std::size_t rss_before = resident_bytes();
  auto build_start = Clock::now();
  double build_cpu_start = thread_cpu_ns();
  BuildResult built = Table::build(rules, options);
  double build_ms = (thread_cpu_ns() - build_cpu_start) / 1e6;
  double build_wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - build_start).count();
  release_free_heap();
  double rss_build = static_cast<double>(resident_bytes()) - static_cast<double>(rss_before);
  const Table& table = *built.table;

  std::uint64_t hits = 0;
  for (const MatchQuery& q : queries) hits += answer(table, q);

  std::atomic<bool> stop{false};
  std::vector<ThreadResult> results(command.threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < command.threads; ++t) {
    std::size_t start = queries.size() * t / command.threads;
    workers.emplace_back(match_until, std::cref(table), std::cref(queries), start, std::cref(stop),
                         std::ref(results[t]));
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(command.seconds));
  stop = true;
  for (std::thread& w : workers) w.join();
  double rss_run = static_cast<double>(resident_bytes()) - static_cast<double>(rss_before);

  std::uint64_t matches = 0;
  double cpu_ns = 0, thread_wall_ns = 0, wall_ns = 0;
  for (const ThreadResult& r : results) {
    matches += r.matches;
    cpu_ns += r.cpu_ns;
    thread_wall_ns += r.elapsed_ns;
    wall_ns = std::max(wall_ns, r.elapsed_ns);
  }

  std::string line = "{\"rules\":" + std::to_string(rules.redirects.size() + rules.pages.size()) +
                     ",\"build_ms\":" + fixed(build_ms, 1) +
                     ",\"table_mb\":" + fixed(mib(static_cast<double>(table.stats().memory_bytes)), 1) +
                     ",\"rss_mb\":" + fixed(mib(rss_build), 1) +
                     ",\"rss_after_match_mb\":" + fixed(mib(rss_run), 1) +
                     ",\"ns_per_match\":" + fixed(cpu_ns / static_cast<double>(matches), 1) +
                     ",\"matches_per_sec\":" + fixed(static_cast<double>(matches) / (wall_ns / 1e9), 0) +
                     ",\"hits\":" + std::to_string(hits) + ",\"queries\":" + std::to_string(queries.size()) +
                     ",\"matches\":" + std::to_string(matches) + ",\"threads\":" + std::to_string(command.threads) +
                     ",\"seconds\":" + fixed(wall_ns / 1e9, 2) +
                     ",\"regex_sets\":" + std::to_string(table.stats().regex_sets) +
                     ",\"skipped\":" + std::to_string(built.skipped.size()) + ",\"load_ms\":" + fixed(load_ms, 1) +
                     ",\"build_wall_ms\":" + fixed(build_wall_ms, 1) +
                     ",\"wall_ns_per_match\":" + fixed(thread_wall_ns / static_cast<double>(matches), 1) +
                     "}";
  std::cout << line << std::endl;
}

}  // namespace

void add_match_command(CLI::App& app) {
  auto command = std::make_shared<MatchBenchCommand>();
  CLI::App* sub = app.add_subcommand("match", "Build a table from a rules file and time matching");
  sub->add_option("--rules", command->rules_path, "Rules file")->required();
  sub->add_option("--queries", command->queries_path, "Queries, JSON lines {\"host\", \"uri\"}")->required();
  sub->add_option("--seconds", command->seconds, "How long to match")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--threads", command->threads, "Threads matching at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  sub->add_option("--regex-memory-mb", command->regex_memory_mb, "TableOptions::regex_memory_budget in MiB")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->callback([command] { run(*command); });
}

}  // namespace flecto::bench
