// The snapshot at a million rules (issue 12, "Measure it"): written, then
// read back through the agent's start path (a SyncLoop whose manager is
// down serves it, as the daemon does at a restart) with the same answers;
// a write killed at any moment leaves the old snapshot or the new one,
// whole; a torn or corrupt snapshot is refused (SnapshotError), never
// served, and the agent syncs from the manager instead.
//
// Tagged [million]: each case holds a million rules in memory several
// times (about 1 GB at its peak) and takes seconds in an optimized build,
// minutes under AddressSanitizer, so scripts/test-sanitizers.sh leaves
// [million] out of its AddressSanitizer run (the ordinary build runs them).
// No case measures time: the waits are upper bounds.

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/rules/served_table.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/loop.hpp"
#include "agent/sync/snapshot.hpp"
#include "agent/sync/status.hpp"
#include "matcher/table.hpp"
#include "support/million_rules.hpp"
#include "tests/agent/sync/fakes.hpp"

using flecto::test::FakeManager;
using flecto::test::kMillion;
using flecto::test::million_rules;
using flecto::test::query_for;
using flecto::test::TempDir;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Polls `done` until it holds or five minutes pass: an upper bound for a
// loaded machine reading a million rules, not a timing.
bool within_minutes(const std::function<bool()>& done) {
  const auto give_up = Clock::now() + 5min;
  while (!done()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

flecto::Config million_config(const std::string& state_dir) {
  flecto::Config config;
  config.agent_name = "edge-million";
  config.state_dir = state_dir;
  config.interval_check = 1h;
  config.sync_timeout = 60s;
  return config;
}

flecto::SyncLoopOptions fast_options() {
  flecto::SyncLoopOptions options;
  options.initial_backoff = 5ms;
  options.tick_period = 10ms;
  options.seed = 12;
  return options;
}

// A SyncLoop on its own thread, stopped and joined by the destructor.
class RunningLoop {
 public:
  RunningLoop(const std::string& state_dir, FakeManager& manager)
      : loop_(million_config(state_dir), manager, served, status, fast_options()),
        thread_([this](std::stop_token stop) { loop_.run(stop); }) {}
  flecto::ServedTable served;
  flecto::SyncStatus status;

 private:
  flecto::SyncLoop loop_;
  std::jthread thread_;
};

// What the agent serves at a restart from `state_dir` while its manager is
// down: the loop serves the snapshot before its first sync step, whose
// failure tells that the snapshot was dealt with. Null when it served none.
std::shared_ptr<const flecto::Table> served_at_restart(const std::string& state_dir) {
  FakeManager manager;
  manager.fail("version", flecto::test::unreachable());
  RunningLoop running(state_dir, manager);
  REQUIRE(within_minutes([&] { return running.status.get().syncs_error >= 1; }));
  return running.served.current();
}

// 1,000 redirects spread over the whole list, the first and last included.
std::vector<std::size_t> sample_indexes(std::size_t count) {
  std::vector<std::size_t> indexes;
  for (std::size_t k = 0; k < 1000; ++k) indexes.push_back(k * (count - 1) / 999);
  return indexes;
}

// Every sampled redirect of `rules` gets its own answer from `table`, and
// requests next to them (another host, one byte more, another case) none.
void check_answers(const flecto::Table& table, const flecto::Rules& rules) {
  for (std::size_t i : sample_indexes(rules.redirects.size())) {
    const flecto::test::RuleQuery q = query_for(rules, i);
    INFO("redirect #" << i << ": " << q.host << q.uri);
    auto match = table.match_redirect(q.host, q.uri);
    REQUIRE(match.has_value());
    CHECK(match->target == q.target);
    CHECK(match->code == q.code);
    CHECK_FALSE(table.match_redirect(q.host, q.uri + "x").has_value());
    std::string upper = q.uri;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return c == 'a' ? 'A' : c; });
    if (upper != q.uri) CHECK_FALSE(table.match_redirect(q.host, upper).has_value());
    if (q.host != "example.com") CHECK_FALSE(table.match_redirect("example.com", q.uri).has_value());
  }
  CHECK_FALSE(table.match_redirect("example.com", "/").has_value());
  CHECK_FALSE(table.match_redirect("example.com", "/blog/summer-bike-zzzzzzz").has_value());
  auto robots = table.match_page("example.com", "/robots.txt");
  REQUIRE(robots.has_value());
  CHECK(std::string(robots->content) == rules.pages.at(0).content);
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// A child process that writes `rules` to the snapshot of `state_dir` and
// exits 0 (1 when write_snapshot threw).
// `streamed`: as a sync writes it, item by item as the listings are walked
// into the table's builder, put in place after the build.
pid_t fork_writer(const std::string& state_dir, const flecto::Rules& rules, bool streamed = false) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      if (streamed) {
        FakeManager manager(rules);
        flecto::Load load = flecto::load_from_manager(manager, rules.version, 2000, {}, {}, {state_dir});
        if (!load.commit_snapshot().empty()) _exit(1);
      } else {
        flecto::write_snapshot(state_dir, rules);
      }
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  return child;
}

// Whether `dir` holds anything but the snapshot: what a write cut short
// left behind.
bool holds_leftovers(const std::string& dir, const std::vector<std::string>& clean) { return names_in(dir) != clean; }

}  // namespace

TEST_CASE("snapshot of a million rules: written, served at a restart, the same answers for a sample", "[million]") {
  TempDir dir;
  const flecto::Rules rules = million_rules(7);
  flecto::write_snapshot(dir.path(), rules);

  std::shared_ptr<const flecto::Table> table = served_at_restart(dir.path());
  REQUIRE(table != nullptr);
  CHECK(table->version() == 7);
  CHECK(table->stats().basic + table->stats().basic_host == kMillion);
  CHECK(table->stats().basic_host == kMillion / 10);
  CHECK(table->stats().pages() == 2);
  CHECK(table->stats().skipped == 0);
  check_answers(*table, rules);

  // The same answers as a table built from the rules in memory.
  const flecto::BuildResult direct = flecto::Table::build(rules);
  for (std::size_t i : sample_indexes(kMillion)) {
    const flecto::test::RuleQuery q = query_for(rules, i);
    auto want = direct.table->match_redirect(q.host, q.uri);
    auto got = table->match_redirect(q.host, q.uri);
    REQUIRE(got.has_value() == want.has_value());
    CHECK(got->target == want->target);
  }
}

TEST_CASE("snapshot of a million rules: a write killed at any moment leaves the old snapshot or the new one, whole",
          "[million]") {
  TempDir dir, reference;
  const flecto::Rules old_rules = million_rules(1, 10'000);
  const flecto::Rules new_rules = million_rules(2, kMillion, "v2/");
  flecto::write_snapshot(dir.path(), old_rules);
  const std::vector<std::string> clean = names_in(dir.path());

  // How long one whole write takes here, to spread the kills over it.
  const auto started = Clock::now();
  flecto::write_snapshot(reference.path(), new_rules);
  const auto write_time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  REQUIRE(names_in(reference.path()) == clean);  // one clean write leaves the snapshot alone

  std::mt19937_64 random(std::random_device{}());
  int old_seen = 0, new_seen = 0, leftovers_seen = 0;
  for (int kill = 0; kill < 8; ++kill) {
    // Kills at a random moment of the write, and some after it (then the
    // new snapshot must be whole).
    const auto delay = std::chrono::microseconds(
        std::uniform_int_distribution<std::int64_t>(0, write_time.count() * 6 / 5)(random));
    // Every other kill, the write is a sync's, streamed as the rules come.
    const pid_t writer = fork_writer(dir.path(), new_rules, kill % 2 == 1);
    std::this_thread::sleep_for(delay);
    ::kill(writer, SIGKILL);
    int raw = 0;
    REQUIRE(::waitpid(writer, &raw, 0) == writer);
    // Exited 0 or was killed; never a failed write.
    CHECK((WIFSIGNALED(raw) || (WIFEXITED(raw) && WEXITSTATUS(raw) == 0)));
    if (holds_leftovers(dir.path(), clean)) ++leftovers_seen;

    std::optional<flecto::Rules> on_disk = flecto::read_snapshot(dir.path());
    REQUIRE(on_disk.has_value());
    const bool is_old = on_disk->version == 1, is_new = on_disk->version == 2;
    REQUIRE((is_old || is_new));
    if (is_old) {
      ++old_seen;
      CHECK(*on_disk == old_rules);
    } else {
      ++new_seen;
      CHECK(*on_disk == new_rules);
    }
    if (is_new) {
      // A new snapshot is written over again from the old one.
      flecto::write_snapshot(dir.path(), old_rules);
    }
  }
  INFO("kills: " << old_seen << " left the old snapshot, " << new_seen << " the new one, " << leftovers_seen
                 << " left a temporary file");
  CHECK(old_seen + new_seen == 8);

  // A restart serves what is there whole, and ignores what the kills left.
  std::shared_ptr<const flecto::Table> table = served_at_restart(dir.path());
  REQUIRE(table != nullptr);
  check_answers(*table, table->version() == 2 ? new_rules : old_rules);

  // A write killed while writing, for sure: killed once its temporary file
  // has grown, which the next complete write removes.
  const pid_t writer = fork_writer(dir.path(), new_rules);
  bool finished = false;
  REQUIRE(within_minutes([&] {
    for (const std::string& name : names_in(dir.path())) {
      std::error_code gone;  // renamed meanwhile
      if (std::find(clean.begin(), clean.end(), name) == clean.end() &&
          std::filesystem::file_size(dir / name, gone) > 0 && !gone) {
        return true;
      }
    }
    finished = ::waitpid(writer, nullptr, WNOHANG) == writer;  // finished first: nothing to kill
    return finished;
  }));
  if (!finished) {
    ::kill(writer, SIGKILL);
    ::waitpid(writer, nullptr, 0);
  }
  std::optional<flecto::Rules> on_disk = flecto::read_snapshot(dir.path());
  REQUIRE(on_disk.has_value());
  CHECK((*on_disk == old_rules || *on_disk == new_rules));
  flecto::write_snapshot(dir.path(), million_rules(3, 10));
  CHECK(names_in(dir.path()) == clean);
  CHECK(flecto::read_snapshot(dir.path()) == million_rules(3, 10));
}

TEST_CASE("snapshot of a million rules: torn, flipped, empty or foreign files are refused, and the agent syncs instead",
          "[million]") {
  TempDir source;
  flecto::write_snapshot(source.path(), million_rules(4));
  const std::string file_name = std::filesystem::path(flecto::snapshot_path(source.path())).filename();
  const std::string whole = read_bytes(flecto::snapshot_path(source.path()));
  REQUIRE(whole.size() > 10'000'000);

  // Bit 7 of one byte: any checksum sees it, and in the JSON format, whose
  // text here is ASCII, it makes invalid UTF-8 (a flip of a lower bit inside
  // a string would be valid JSON, and only a checksum could see it).
  const auto flipped = [&](std::size_t at) {
    std::string bytes = whole;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x80);
    return bytes;
  };
  const std::size_t size = whole.size();
  struct Case {
    std::string what;
    std::string bytes;
    bool restart = false;  // also start the agent on it
  };
  std::vector<Case> cases = {
      {"empty", "", true},
      {"cut after 1 byte", whole.substr(0, 1)},
      {"cut after 4 KiB", whole.substr(0, 4096)},
      {"cut at a third", whole.substr(0, size / 3)},
      {"cut in half", whole.substr(0, size / 2)},
      {"cut 64 bytes before its end", whole.substr(0, size - 64)},
      {"a byte flipped in the middle", flipped(size / 2), true},
      {"a byte flipped near the end", flipped(size - 12)},
      {"this test program", read_bytes("/proc/self/exe").substr(0, 1 << 20), true},
      {"gzip", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + whole.substr(0, 4096)},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    TempDir dir;
    const std::string path = dir / file_name;
    write_bytes(path, c.bytes);
    // One read per case: the error message's position costs a second parse.
    std::optional<std::string> refused;
    try {
      flecto::read_snapshot(dir.path());
    } catch (const flecto::SnapshotError& e) {
      refused = e.what();
    }
    REQUIRE(refused.has_value());
    CHECK_THAT(*refused, Catch::StartsWith(path + ": "));
    if (!c.restart) continue;

    // Started on it with the manager down, the agent serves nothing (503)...
    FakeManager manager(flecto::test::sample_rules(9));
    manager.fail("version", flecto::test::unreachable());
    RunningLoop running(dir.path(), manager);
    REQUIRE(within_minutes([&] { return running.status.get().syncs_error >= 1; }));
    CHECK(running.served.current() == nullptr);
    CHECK(flecto::to_text(running.status.get().table_source) == "none");
    // ...and once the manager answers, it syncs, and a whole snapshot replaces the bad one.
    manager.heal_all();
    REQUIRE(within_minutes([&] { return manager.reports().size() == 1; }));
    REQUIRE(running.served.current() != nullptr);
    CHECK(running.served.current()->version() == 9);
    CHECK(flecto::read_snapshot(dir.path()) == flecto::test::sample_rules(9));
  }
}
