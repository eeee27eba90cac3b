#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/rules/rules_json.hpp"
#include "agent/sync/snapshot.hpp"
#include "tests/agent/sync/fakes.hpp"

using flecto::read_snapshot;
using flecto::read_snapshot_version;
using flecto::SnapshotError;
using flecto::write_snapshot;
using flecto::test::sample_rules;
using flecto::test::TempDir;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("snapshot: written in the rules-file format, read back whole, no temporary file left") {
  TempDir dir;
  flecto::Rules rules = sample_rules(7);
  rules.redirects.push_back({"GONE_TYPE", "/x", "/y", "GONE"});  // kept as received
  write_snapshot(dir.path(), rules);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK(flecto::read_rules_file(dir / "snapshot.json") == rules);
  REQUIRE(read_snapshot(dir.path()) == rules);
  CHECK(read_snapshot_version(dir.path()) == 7);

  flecto::Rules newer = sample_rules(8, 5);
  write_snapshot(dir.path(), newer);
  CHECK(read_snapshot(dir.path()) == newer);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
}

TEST_CASE("snapshot: a missing state directory is created, a missing file is no snapshot") {
  TempDir dir;
  CHECK_FALSE(read_snapshot(dir.path()).has_value());
  CHECK_FALSE(read_snapshot(dir / "absent").has_value());
  CHECK_FALSE(read_snapshot_version(dir.path()).has_value());
  write_snapshot(dir / "a/b", sample_rules(1));
  CHECK(read_snapshot_version(dir / "a/b") == 1);
}

TEST_CASE("snapshot: truncated or corrupt files are errors naming the file") {
  TempDir dir;
  write_snapshot(dir.path(), sample_rules(3));
  std::string text = flecto::rules_to_json(sample_rules(3));
  for (const std::string& bad : {text.substr(0, text.size() / 2), std::string(""), std::string("\0\0\0", 3),
                                 std::string(R"({"version": 3, "redirects": {"a": 1}})"),
                                 std::string(R"({"version": -4})")}) {
    write_file(dir / "snapshot.json", bad);
    CHECK_THROWS_AS(read_snapshot(dir.path()), SnapshotError);
    CHECK_THROWS_WITH(read_snapshot(dir.path()), Catch::StartsWith(dir / "snapshot.json" + ": "));
    CHECK_FALSE(read_snapshot_version(dir.path()).has_value());
  }
}

TEST_CASE("snapshot: an unwritable state directory is an error, naming it") {
  TempDir dir;
  write_file(dir / "file", "x");
  CHECK_THROWS_AS(write_snapshot(dir / "file/state", sample_rules(1)), SnapshotError);
  CHECK_THROWS_WITH(write_snapshot(dir / "file/state", sample_rules(1)),
                    Catch::StartsWith(dir / "file/state" + ": create directory: "));
}

TEST_CASE("snapshot: a failed replacement leaves the old file and no temporary file") {
  TempDir dir;
  // A directory where snapshot.json belongs makes the final rename fail.
  std::filesystem::create_directories(dir / "snapshot.json/occupied");
  CHECK_THROWS_WITH(write_snapshot(dir.path(), sample_rules(2)), Catch::Contains("rename"));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK(std::filesystem::is_directory(dir / "snapshot.json/occupied"));
  CHECK_THROWS_AS(read_snapshot(dir.path()), SnapshotError);
}

TEST_CASE("snapshot: temporary files left by an interrupted write are removed by the next write") {
  TempDir dir;
  write_snapshot(dir.path(), sample_rules(1));
  // What a write killed before its rename leaves behind (SIGKILL, power loss).
  write_file(dir / "snapshot.json.tmp-Ab12Cd", "{\"version\":2,\"redirects\":[");
  write_file(dir / "snapshot.json.tmp-xyzXYZ", "");
  write_file(dir / "notes.tmp-keep", "not ours");
  write_snapshot(dir.path(), sample_rules(2));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"notes.tmp-keep", "snapshot.json"});
  CHECK(read_snapshot(dir.path()) == sample_rules(2));
}

TEST_CASE("snapshot: a streamed write is the rules-file text of write_snapshot, put in place at commit") {
  TempDir streamed, whole;
  flecto::Rules rules = sample_rules(9, 5);
  rules.redirects.push_back({"REGEX", "^/a\"(.*)$", "/b/$1\n", "TEMPORARY_REDIRECT"});
  rules.pages.push_back({"BASIC_HOST", "example.com/x", "\t<x/>", "XML"});
  write_snapshot(whole.path(), rules);
  {
    flecto::SnapshotWriter writer(streamed.path(), 9);
    for (const auto& r : rules.redirects) writer.add_redirect(r.type, r.source, r.target, r.status);
    for (const auto& p : rules.pages) writer.add_page(p.type, p.path, p.content, p.content_type);
    CHECK_FALSE(read_snapshot(streamed.path()).has_value());
    CHECK(std::filesystem::exists(writer.temporary_path()));
    writer.commit();
    CHECK(writer.temporary_path().empty());
  }
  std::ifstream a(streamed / "snapshot.json", std::ios::binary), b(whole / "snapshot.json", std::ios::binary);
  const std::string streamed_text{std::istreambuf_iterator<char>(a), {}};
  const std::string whole_text{std::istreambuf_iterator<char>(b), {}};
  CHECK(streamed_text == flecto::rules_to_json(rules));
  CHECK(whole_text == streamed_text);
  CHECK(names_in(streamed.path()) == std::vector<std::string>{"snapshot.json"});
  // Without items, and a redirect after the pages began is refused.
  flecto::SnapshotWriter empty(streamed.path(), 0, "empty.json");
  empty.add_page("BASIC", "/p", "x", "TEXT_PLAIN");
  CHECK_THROWS_AS(empty.add_redirect("BASIC", "/r", "/t", "FOUND"), std::logic_error);
  empty.commit();
  CHECK(read_snapshot(streamed.path(), "empty.json") == flecto::Rules{0, {}, {{"BASIC", "/p", "x", "TEXT_PLAIN"}}});
}

TEST_CASE("snapshot: a streamed write killed mid-way leaves the old snapshot, and the next write cleans up") {
  TempDir dir;
  write_snapshot(dir.path(), sample_rules(1));
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    try {
      flecto::SnapshotWriter writer(dir.path(), 2);
      // Past the writer's buffer, so that the temporary file holds part of the text.
      const std::string target(1000, 't');
      for (int i = 0; i < 5000; ++i) writer.add_redirect("BASIC", "/r/" + std::to_string(i), target, "FOUND");
      if (::write(ready[1], "x", 1) != 1) _exit(2);
      ::pause();  // killed here, before the commit
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  const bool wrote = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  int raw = 0;
  REQUIRE(::waitpid(child, &raw, 0) == child);
  REQUIRE(wrote);
  CHECK(WIFSIGNALED(raw));
  const std::vector<std::string> names = names_in(dir.path());
  REQUIRE(names.size() == 2);  // the snapshot and the temporary file
  CHECK(names[0] == "snapshot.json");
  CHECK(std::filesystem::file_size(dir / names[1]) > 0);
  CHECK(read_snapshot(dir.path()) == sample_rules(1));
  write_snapshot(dir.path(), sample_rules(3));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK(read_snapshot(dir.path()) == sample_rules(3));
}

TEST_CASE("snapshot: a streamed write that fails removes its temporary file and throws at every step after") {
  TempDir dir;
  write_snapshot(dir.path(), sample_rules(1));
  std::filesystem::remove(dir / "snapshot.json");
  std::filesystem::create_directories(dir / "snapshot.json/occupied");  // the rename fails
  flecto::SnapshotWriter writer(dir.path(), 2);
  writer.add_redirect("BASIC", "/a", "/b", "FOUND");
  CHECK_THROWS_WITH(writer.commit(), Catch::Contains("rename"));
  CHECK(writer.temporary_path().empty());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK_THROWS_AS(writer.commit(), SnapshotError);
}
