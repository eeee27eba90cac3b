// flecto-bench sync: one full sync of a rules file through a stand-in
// manager on loopback, while reader threads keep matching against the table
// being served, as the edge server does during a real sync.
//
// One line of JSON on stdout:
//   redirects, pages     what the stand-in serves
//   page_size            items asked per listing page
//   fetch_ms             the consistent fetch: version, every page, version
//   build_ms             Table::build of the fetched rules
//   load_ms              fetch_ms + build_ms: the load_duration reported
//   fetch_attempts       1 unless the version moved during the fetch
//   table_mb             TableStats::memory_bytes of the new table
//   reader_matches       matches the readers made against the served table
//                        during the load (they never wait for it)
//   reader_max_match_us  the slowest single match a reader saw meanwhile
//   served_version       the version served at the end (the new one)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/manager/client.hpp"
#include "agent/sync/load.hpp"
#include "agent/rules/rules_json.hpp"
#include "agent/rules/served_table.hpp"
#include "bench/commands.hpp"
#include "bench/sync_agent_process.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace flecto::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct SyncBenchCommand {
  std::string rules_path;
  int page_size = 2000;
  unsigned readers = 1;
  bool agent_process = false;
  bool identity = false;
  bool no_bytes = false;
};

double millis(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

void run_sync_bench(const SyncBenchCommand& command) {
  Rules rules = read_rules_file(command.rules_path);
  if (rules.version == 0) rules.version = 1;
  std::size_t redirect_count = rules.redirects.size(), page_count = rules.pages.size();

  // The previous version is served while the new one is fetched and built.
  Rules previous = rules;
  previous.version = rules.version - 1 > 0 ? rules.version - 1 : rules.version + 1;
  ServedTable served;
  served.swap_in(Table::build(previous).table);
  std::vector<std::string> uris;
  for (std::size_t i = 0; i < rules.redirects.size() && uris.size() < 10000; i += 97) {
    uris.push_back(rules.redirects[i].source);
  }
  if (uris.empty()) uris.push_back("/");

  standin::StandinManager manager({}, std::move(rules));
  ManagerSettings settings;
  settings.url = manager.url();
  settings.namespace_code = manager.options().namespace_code;
  settings.project_code = manager.options().project_code;
  settings.token = manager.options().token;
  ManagerClient client(settings);

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reader_matches{0};
  std::atomic<std::int64_t> reader_max_ns{0};
  std::vector<std::thread> readers;
  for (unsigned r = 0; r < command.readers; ++r) {
    readers.emplace_back([&, r] {
      std::uint64_t count = 0;
      std::int64_t worst = 0;
      for (std::size_t i = r; !done.load(std::memory_order_relaxed); ++i) {
        auto started = Clock::now();
        auto table = served.current();
        auto match = table->match_redirect("example.com", uris[i % uris.size()]);
        if (!match) table->match_page("example.com", uris[i % uris.size()]);
        worst = std::max<std::int64_t>(worst, (Clock::now() - started).count());
        ++count;
      }
      reader_matches += count;
      std::int64_t seen = reader_max_ns.load();
      while (worst > seen && !reader_max_ns.compare_exchange_weak(seen, worst)) {
      }
    });
  }

  Load load = load_from_manager(client, client.get_version(), command.page_size, TableOptions{}, std::stop_token{});
  served.swap_in(load.built.table);
  done = true;
  for (auto& reader : readers) reader.join();

  std::printf(
      "{\"redirects\": %zu, \"pages\": %zu, \"page_size\": %d, \"fetch_ms\": %.1f, \"build_ms\": %.1f, "
      "\"load_ms\": %.1f, \"fetch_attempts\": %d, \"table_mb\": %.1f, \"reader_matches\": %llu, "
      "\"reader_max_match_us\": %.1f, \"served_version\": %lld}\n",
      redirect_count, page_count, command.page_size, millis(load.fetch_duration), millis(load.build_duration),
      millis(load.load_duration()), load.fetch_attempts,
      static_cast<double>(load.built.table->stats().memory_bytes) / (1 << 20),
      static_cast<unsigned long long>(reader_matches.load()), static_cast<double>(reader_max_ns.load()) / 1000,
      static_cast<long long>(served.current()->version()));
}

}  // namespace

void add_sync_command(CLI::App& app) {
  auto command = std::make_shared<SyncBenchCommand>();
  CLI::App* sub = app.add_subcommand("sync", "one full sync of a rules file from a stand-in manager on loopback");
  sub->add_option("--rules", command->rules_path, "the rules file the stand-in serves")->required();
  sub->add_option("--page-size", command->page_size, "items asked per listing page")->capture_default_str();
  sub->add_option("--readers", command->readers, "threads matching against the served table meanwhile")
      ->capture_default_str();
  sub->add_flag("--agent-process", command->agent_process,
                "measure the agent side in a process of its own: peak RSS, requests, listing bytes "
                "(no readers)");
  sub->add_flag("--identity", command->identity, "with --agent-process: ask for uncompressed answers");
  sub->add_flag("--no-bytes", command->no_bytes, "with --agent-process: do not count the listing bytes");
  sub->callback([command] {
    if (command->agent_process) {
      run_agent_process_bench({command->rules_path, command->page_size, command->identity, !command->no_bytes});
    } else {
      run_sync_bench(*command);
    }
  });
}

}  // namespace flecto::bench
