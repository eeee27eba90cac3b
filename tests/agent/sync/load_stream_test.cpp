// A load walks the listings page by page into the table's builder and the
// snapshot's temporary file: the same rules as the lists the client
// collects, and the old snapshot intact until the new one is put in place.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/manager/client.hpp"
#include "agent/sync/load.hpp"
#include "agent/sync/snapshot.hpp"
#include "tests/agent/sync/fakes.hpp"
#include "tests/agent/sync/standin_support.hpp"
#include "tests/standin_manager/standin_manager.hpp"

namespace {

using flecto::LoadOutputs;
using flecto::ManagerError;
using flecto::Rules;
using flecto::standin::Endpoint;
using flecto::standin::StandinManager;
using flecto::test::FakeManager;
using flecto::test::sample_rules;
using flecto::test::standin_config;
using flecto::test::standin_options;
using flecto::test::TempDir;

// Every kind of rule, an invalid one, text that needs escapes, pages of both types.
Rules every_kind(std::int64_t version, std::size_t redirects) {
  Rules rules;
  rules.version = version;
  static const char* kTypes[] = {"BASIC", "BASIC_HOST", "REGEX", "REGEX_HOST"};
  static const char* kStatuses[] = {"MOVED_PERMANENT", "FOUND", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT"};
  for (std::size_t i = 0; i < redirects; ++i) {
    std::string source = (i % 4 == 1 || i % 4 == 3) ? "example.com/r/" : "/r/";
    source += std::to_string(version) + "/" + std::to_string(i);
    if (i % 4 >= 2) source = "^" + source + "/(.*)$";
    rules.redirects.push_back({kTypes[i % 4], source, "/to/\"" + std::to_string(i) + "\"\\" + (i % 4 >= 2 ? "/$1" : ""),
                               kStatuses[(i / 4) % 4]});
  }
  rules.redirects.push_back({"BASIC", "/gone", "/x", "GONE"});  // invalid: skipped, but kept as received
  rules.redirects.push_back({"", "", "", ""});                  // every field null or empty
  rules.pages.push_back({"BASIC", "/robots.txt", "User-agent: *\nDisallow:\n", "TEXT_PLAIN"});
  rules.pages.push_back({"BASIC_HOST", "example.com/sitemap.xml", "<urlset>\t\u00e9</urlset>", "XML"});
  return rules;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("load streamed: the same rules as the collected lists, by cursor and offset, compressed or not",
          "[threads]") {
  const Rules rules = every_kind(12, 230);
  for (bool next : {true, false}) {
    for (bool gzip : {true, false}) {
      auto options = standin_options();
      options.send_next = next;
      options.gzip = gzip;
      options.lower_case_keys = !next;
      StandinManager manager(options, rules);
      TempDir dir;
      const flecto::Config config = standin_config(manager, dir.path());
      flecto::ManagerClient client(flecto::manager_settings_from(config));
      INFO("Next " << next << ", gzip " << gzip);
      // The collected lists (list_redirects, list_pages) are the rules as published.
      CHECK(client.list_redirects(17) == rules.redirects);
      CHECK(client.list_pages(1) == rules.pages);

      flecto::Load load = flecto::load_from_manager(client, client.get_version(), flecto::ListingLimits(17, 1), {},
                                                    {}, {dir.path(), "snapshot.json", true});
      CHECK(load.rules == rules);
      CHECK(load.fetch_attempts == 1);
      // The table is the one Table::build makes of the same rules.
      const flecto::BuildResult reference = flecto::Table::build(rules, {});
      CHECK(load.built.table->version() == 12);
      CHECK(load.built.table->stats().redirects() == reference.table->stats().redirects());
      CHECK(load.built.table->stats().basic_host == reference.table->stats().basic_host);
      CHECK(load.built.table->stats().regex_host == reference.table->stats().regex_host);
      CHECK(load.built.table->stats().pages() == 2);
      REQUIRE(load.built.skipped.size() == reference.skipped.size());
      for (std::size_t i = 0; i < reference.skipped.size(); ++i) {
        CHECK(load.built.skipped[i].describe() == reference.skipped[i].describe());
      }
      // Written as it came, put in place only now.
      CHECK_FALSE(flecto::read_snapshot(dir.path()).has_value());
      REQUIRE(load.snapshot != nullptr);
      CHECK(load.commit_snapshot().empty());
      CHECK(flecto::read_snapshot(dir.path()) == rules);
      CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
    }
  }
}

TEST_CASE("load streamed: without keep_rules only the version is kept, the snapshot holds them all") {
  FakeManager manager(every_kind(7, 40));
  TempDir dir;
  flecto::Load load = flecto::load_from_manager(manager, 7, 10, {}, {}, {dir.path(), "p.json", false});
  CHECK(load.rules == Rules{7, {}, {}});
  CHECK(load.built.table->stats().redirects() + load.built.skipped.size() == 42);
  CHECK(load.commit_snapshot().empty());
  CHECK(flecto::read_snapshot(dir.path(), "p.json") == every_kind(7, 40));
}

TEST_CASE("load streamed: a walk broken mid-way leaves the old snapshot and no temporary file") {
  struct Break {
    const char* endpoint;
    ManagerError error;
  };
  for (const Break& broken : {Break{"pages", flecto::test::http_error(502)},
                              Break{"pages", flecto::test::invalid_data()},
                              Break{"version", flecto::test::unreachable()}}) {
    INFO("broken at " << broken.endpoint << ": " << broken.error.what());
    FakeManager manager(sample_rules(5, 30));
    TempDir dir;
    flecto::write_snapshot(dir.path(), sample_rules(4, 2));
    // The redirects were walked and written; then the manager fails (the
    // version is read only after both listings).
    manager.fail(broken.endpoint, broken.error);
    CHECK_THROWS_AS(flecto::load_from_manager(manager, 5, 10, {}, {}, {dir.path()}), ManagerError);
    CHECK(manager.calls("redirects") == 1);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
    CHECK(flecto::read_snapshot(dir.path()) == sample_rules(4, 2));
  }
  // Cancelled mid-walk: the same.
  FakeManager manager(sample_rules(5, 30));
  TempDir dir;
  flecto::write_snapshot(dir.path(), sample_rules(4, 2));
  std::stop_source stop;
  manager.set_on_call([&](const std::string& called, std::stop_token) {
    if (called == "pages") stop.request_stop();
  });
  try {
    flecto::load_from_manager(manager, 5, 10, {}, stop.get_token(), {dir.path()});
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.kind() == ManagerError::Kind::kCancelled);
  }
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(4, 2));
}

TEST_CASE("load streamed: a version moving mid-walk starts the builder and the file over") {
  FakeManager manager(sample_rules(4, 10));
  TempDir dir;
  bool published = false;
  manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "pages" && !published) {
      published = true;
      manager.publish(sample_rules(5, 3));  // after the redirects of 4 were walked
    }
  });
  flecto::Load load = flecto::load_from_manager(manager, 4, 500, {}, {}, {dir.path(), "snapshot.json", true});
  CHECK(load.fetch_attempts == 2);
  CHECK(load.rules == sample_rules(5, 3));
  CHECK(load.built.table->version() == 5);
  CHECK(load.built.table->stats().redirects() == 3);  // none of version 4's ten
  CHECK(load.commit_snapshot().empty());
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(5, 3));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
}

TEST_CASE("load streamed: a load dropped before its commit leaves the old snapshot") {
  FakeManager manager(sample_rules(5, 30));
  TempDir dir;
  flecto::write_snapshot(dir.path(), sample_rules(4, 2));
  {
    flecto::Load load = flecto::load_from_manager(manager, 5, 10, {}, {}, {dir.path()});
    REQUIRE(load.snapshot != nullptr);
    // The new text is in a temporary file beside the old snapshot.
    CHECK(names_in(dir.path()).size() == 2);
    CHECK(flecto::read_snapshot(dir.path()) == sample_rules(4, 2));
  }
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK(flecto::read_snapshot(dir.path()) == sample_rules(4, 2));
}

TEST_CASE("load streamed: a state directory that cannot be written fails the snapshot, not the load") {
  FakeManager manager(sample_rules(5, 3));
  TempDir dir;
  const std::string blocked = dir.write("file", "not a directory");
  flecto::Load load = flecto::load_from_manager(manager, 5, 10, {}, {}, {blocked + "/state"});
  CHECK(load.built.table->stats().redirects() == 3);
  CHECK(load.snapshot == nullptr);
  CHECK_THAT(load.commit_snapshot(), Catch::StartsWith(blocked + "/state: create directory: "));
}
