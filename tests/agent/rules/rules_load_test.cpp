// The view-based load of rules files and snapshots against parse_rules_json:
// the same rules, the same tables, and the same error for every file that
// is not a rules file.

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <variant>

#include "agent/rules/rules_json.hpp"
#include "agent/rules/rules_load.hpp"
#include "agent/sync/snapshot.hpp"
#include "support/temp_dir.hpp"

namespace flecto {
namespace {

// parse_rules_json's verdict: the rules, or its error message.
std::variant<Rules, std::string> dom_verdict(std::string_view text) {
  try {
    return parse_rules_json(text);
  } catch (const JsonShapeError& e) {
    return std::string(e.what());
  }
}

// The fast walk's rules (nullopt: left to parse_rules_json), and whether the
// whole load agrees with parse_rules_json.
std::optional<Rules> check_against_dom(const test::TempDir& dir, std::string_view text) {
  const std::string path = dir.write("rules.json", text);
  const auto verdict = dom_verdict(text);
  RulesText read = RulesText::read(path);
  std::optional<Rules> fast = read_rules_text(read);
  if (fast) {
    REQUIRE(std::holds_alternative<Rules>(verdict));
    CHECK(*fast == std::get<Rules>(verdict));
  }
  if (const auto* message = std::get_if<std::string>(&verdict)) {
    try {
      load_rules_text(path, {});
      FAIL("loaded a file parse_rules_json refuses: " << *message);
    } catch (const JsonShapeError& e) {
      CHECK(std::string(e.what()) == *message);
    }
    CHECK_THROWS_WITH(load_rules_file(path, {}), path + ": " + *message);
  } else {
    const Rules& rules = std::get<Rules>(verdict);
    const BuildResult built = load_rules_text(path, {});
    const BuildResult want = Table::build(rules);
    CHECK(built.table->version() == rules.version);
    CHECK(built.table->stats().redirects() == want.table->stats().redirects());
    CHECK(built.table->stats().pages() == want.table->stats().pages());
    CHECK(built.table->stats().memory_bytes == want.table->stats().memory_bytes);
    REQUIRE(built.skipped.size() == want.skipped.size());
    for (std::size_t i = 0; i < want.skipped.size(); ++i) CHECK(built.skipped[i].describe() == want.skipped[i].describe());
  }
  return fast;
}

const char* const kValid[] = {
    R"({"Version": 7, "Extra": {"a": [1, 2.5, -3e4, true, false, null, "s\n"]},
      "REDIRECTS": [{"Type": "BASIC", "SOURCE": "/a", "target": "/b", "Status": "FOUND", "id": 4}],
      "pages": [{"type": "BASIC", "path": "/robots.txt", "ContentType": "TEXT_PLAIN", "content": "x"}]})",
    R"({"version": "12", "redirects": [{"type": "REGEX", "target": null}]})",
    R"({"version": null, "redirects": null, "pages": null})",
    R"({})",
    R"( {"pages": [{"path": "/p", "content": "a\"b\\c\u00e9\ud83d\ude00", "type": "BASIC", "contentType": "XML"}],
        "redirects": [{"type": "BASIC", "source": "/\u0041", "target": "/t", "status": "FOUND", "source": "/last"}]} )",
    R"({"version": 3, "redirects": [{"type": "WILDCARD", "source": "/w"}, {"type": "REGEX", "source": "(", "status": "FOUND"}]})",
};

const char* const kMalformed[] = {
    "",
    "   ",
    "[]",
    "7",
    "{\"version\": 1",
    "{\"version\": 1} x",
    "{\"version\": 1,\n \"redirects\": [{\"source\": }]}",
    "{\"redirects\": [\"\xff\"]}",
    R"({"redirects": [{"source": 5}]})",
    R"({"redirects": {"source": "/a"}})",
    R"({"pages": [1]})",
    R"({"version": -1})",
    R"({"version": 1.5})",
    R"({"version": "1x"})",
    R"({"version": 18446744073709551615})",
    R"({"version": true})",
    R"({"redirects": [{"type": "BASIC", "source": "/a\q"}]})",
    R"({"extra": [tru], "redirects": []})",
    R"({"extra": {"a" 1}, "redirects": []})",
    R"({"extra": 1e999999, "redirects": []})",
    R"({"extra": 123456789012345678901234567890, "redirects": []})",
    R"({"redirects": [{"type": "BASIC",, "source": "/a"}]})",
    R"({"redirects": [{"type": "BASIC" "source": "/a"}]})",
    R"({"redirects": [{"type": "BASIC"}] "pages": []})",
    R"({"redirects": [{"type": "BASIC"},]})",
    R"({"redirects": [{"type": nul}]})",
    R"({"pages": [{"content": ["x"]}]})",
    "{\"redirects\": [{\"source\": \"/a\x01\"}]}",
    R"({"version": 2, "redirects": [], "redirects": {"x": 1}})",
};

}  // namespace

TEST_CASE("rules load: the fast walk reads valid files as parse_rules_json does", "[rules][load]") {
  test::TempDir dir;
  int taken = 0;
  for (const char* text : kValid) {
    INFO(text);
    taken += check_against_dom(dir, text).has_value();
  }
  // Escapes in values and a field given twice in an item are the walk's own.
  CHECK(taken == static_cast<int>(std::size(kValid)));
}

TEST_CASE("rules load: every malformed file gets parse_rules_json's message", "[rules][load]") {
  test::TempDir dir;
  for (const char* text : kMalformed) {
    INFO(text);
    check_against_dom(dir, text);
  }
  // Nested deeper than the parser allows: an error, not a crash.
  check_against_dom(dir, "{\"x\":" + std::string(5000, '[') + std::string(5000, ']') + "}");
}

TEST_CASE("rules load: the test data files load as read_rules_file reads them", "[rules][load]") {
  test::TempDir dir;
  for (const char* name : {"rules.json", "malformed_rules.json", "wrong_shape_rules.json"}) {
    const std::string path = std::string(FLECTO_TEST_DATA_DIR) + "/match/" + name;
    INFO(path);
    try {
      const Rules rules = read_rules_file(path);
      const BuildResult built = load_rules_file(path, {});
      CHECK(built.table->version() == rules.version);
      CHECK(built.table->stats().redirects() + built.skipped.size() == rules.redirects.size() + rules.pages.size() - built.table->stats().pages());
      RulesText text = RulesText::read(path);
      std::optional<Rules> fast = read_rules_text(text);
      REQUIRE(fast);
      CHECK(*fast == rules);
    } catch (const std::runtime_error& e) {
      CHECK_THROWS_WITH(load_rules_file(path, {}), std::string(e.what()));
    }
  }
  CHECK_THROWS_WITH(load_rules_file("/nonexistent/rules.json", {}), "/nonexistent/rules.json: cannot open the rules file");
  CHECK_THROWS_WITH(load_rules_file(dir.path(), {}), dir.path() + ": cannot read the rules file");
}

TEST_CASE("rules load: thousands of rules, escapes among them, read whole across released text", "[rules][load]") {
  test::TempDir dir;
  Rules rules;
  rules.version = 99;
  for (int i = 0; i < 20000; ++i) {
    const std::string n = std::to_string(i);
    rules.redirects.push_back({i % 3 ? "BASIC" : "BASIC_HOST", i % 7 ? "/p/" + n : "/q\"" + n + "\\\n", "/t/" + n,
                               i % 11 ? "FOUND" : "GONE"});
    if (i % 1000 == 0) rules.pages.push_back({"BASIC", "/page" + n, std::string(3000, 'c') + n, "TEXT_PLAIN"});
  }
  std::optional<Rules> fast = check_against_dom(dir, rules_to_json(rules));
  REQUIRE(fast);
  CHECK(*fast == rules);
  const BuildResult built = load_rules_file(dir / "rules.json", {});
  auto hit = built.table->match_redirect("h", "/q\"7\\\n");
  REQUIRE(hit);
  CHECK(hit->target == "/t/7");
}

TEST_CASE("rules load: mutated files are read as parse_rules_json reads them, or refused with its message",
          "[rules][load]") {
  test::TempDir dir;
  const std::string sample = std::string(kValid[0]) + "\n";
  const std::string alphabet = "{}[]:,\"\\ 0123456789.-eEtrufalsn\x01\xc3\xa9\xff";
  std::mt19937 rng(12);
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  int refused = 0, taken = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text = sample;
    for (std::size_t edits = 1 + below(3); edits > 0; --edits) {
      const std::size_t at = below(text.size());
      switch (below(3)) {
        case 0: text[at] = alphabet[below(alphabet.size())]; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, alphabet[below(alphabet.size())]); break;
      }
    }
    INFO(text);
    refused += std::holds_alternative<std::string>(dom_verdict(text));
    taken += check_against_dom(dir, text).has_value();
  }
  // Both kinds are met, so both checks above have run.
  CHECK(refused > 100);
  CHECK(taken > 100);
}

TEST_CASE("rules load: a snapshot loads with read_snapshot's answers and errors", "[rules][load][snapshot]") {
  test::TempDir dir;
  CHECK_FALSE(load_snapshot(dir.path(), {}));
  Rules rules;
  rules.version = 5;
  rules.redirects.push_back({"BASIC", "/a", "/b", "FOUND"});
  rules.redirects.push_back({"BASIC", "/c", "/d", "GONE"});
  write_snapshot(dir.path(), rules);
  std::optional<BuildResult> built = load_snapshot(dir.path(), {});
  REQUIRE(built);
  CHECK(built->table->version() == 5);
  REQUIRE(built->skipped.size() == 1);
  CHECK(built->skipped[0].describe() == "redirect #2 \"/c\": unknown status \"GONE\"");
  CHECK(built->table->match_redirect("h", "/a")->target == "/b");

  for (const char* corrupt : {"{\"version\": 5, \"redirects\": [", "{\"version\": \"x\"}", ""}) {
    dir.write("snapshot.json", corrupt);
    std::string want;
    try {
      read_snapshot(dir.path());
    } catch (const SnapshotError& e) {
      want = e.what();
    }
    REQUIRE_FALSE(want.empty());
    CHECK_THROWS_WITH(load_snapshot(dir.path(), {}), want);
  }
}

}  // namespace flecto
