#include <catch2/catch.hpp>

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
