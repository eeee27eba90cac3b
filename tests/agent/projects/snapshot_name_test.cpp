#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "agent/projects/snapshot_name.hpp"
#include "agent/sync/snapshot.hpp"

using flecto::project_snapshot_name;

namespace {

bool only_safe_bytes(const std::string& name) {
  for (const char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '%' || c == '-';
    if (!safe) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("snapshot name: the three parts escaped, '.' only between them") {
  CHECK(project_snapshot_name("https://m.example.com", "shop", "www") ==
        "project.https%3A%2F%2Fm%2Eexample%2Ecom.shop.www.json");
  CHECK(project_snapshot_name("http://127.0.0.1:8081", "ns_1", "site-2") ==
        "project.http%3A%2F%2F127%2E0%2E0%2E1%3A8081.ns_1.site-2.json");
  CHECK(project_snapshot_name("", "", "") == "project....json");
}

TEST_CASE("snapshot name: different projects never share a name") {
  const std::vector<std::tuple<std::string, std::string, std::string>> triples = {
      {"u", "a.b", "c"},     {"u", "a", "b.c"},      {"u.a", "b", "c"},    {"u", "a%2Eb", "c"},
      {"u", "a%b", "c"},     {"u", "a%25b", "c"},    {"u", "a", "b"},      {"u", "A", "b"},
      {"u", "a/b", "c"},     {"u", "a", "/b/c"},     {"u", "..", ".."},     {"u", ".", "."},
      {"u", "", ".."},       {"u", "...", ""},       {"u", "", ""},         {"", "u", ""},
      {"", "", "u"},         {"u", "caf\xC3\xA9", "x"}, {"u", "caf\xC3\x89", "x"}, {"u", "caf%C3%A9", "x"},
      {"u", std::string("a\0b", 3), "c"}, {"u", "a", std::string("\0", 1)}, {"u", "a", ""},
      {"https://m.example.com", "shop", "www"}, {"https://m.example.com/", "shop", "www"},
      {"https://m.example.com", "shop.www", ""},
  };
  std::set<std::string> names;
  for (const auto& [url, ns, project] : triples) {
    const std::string name = project_snapshot_name(url, ns, project);
    INFO(name);
    CHECK(names.insert(name).second);
    CHECK(only_safe_bytes(name));
    CHECK(name.rfind("project.", 0) == 0);
  }
  CHECK(names.size() == triples.size());
}

TEST_CASE("snapshot name: no code can leave the state directory or take the one-project name") {
  for (const std::string& code : {std::string("../../etc/passwd"), std::string(".."), std::string("."),
                                  std::string("/"), std::string("a/../../b"), std::string("snapshot.json"),
                                  std::string("\0/..", 4), std::string("\n\r\t "), std::string("\xFF\xFE")}) {
    const std::string name = project_snapshot_name("https://m.example.com", code, code);
    INFO(name);
    CHECK(only_safe_bytes(name));
    CHECK(name.find('/') == std::string::npos);
    CHECK(name != ".");
    CHECK(name != "..");
    CHECK(name.rfind(flecto::kSnapshotFileName, 0) != 0);
    CHECK(name.size() <= flecto::kMaxProjectSnapshotName);
  }
  CHECK(project_snapshot_name("", "snapshot", "json") != flecto::kSnapshotFileName);
  CHECK(project_snapshot_name("https://m.example.com", "a/b", "..") ==
        "project.https%3A%2F%2Fm%2Eexample%2Ecom.a%2Fb.%2E%2E.json");
}

TEST_CASE("snapshot name: a name over 200 bytes is a SHA-256 instead, also collision-free") {
  const std::string url = "https://m.example.com";
  const std::string ns = "shop";
  // "project.<url>.shop..json" is 50 bytes: a project code of 150 is at the bound.
  const std::size_t rest = flecto::kMaxProjectSnapshotName - project_snapshot_name(url, ns, "").size();
  REQUIRE(rest == 150);
  const std::string at_bound = project_snapshot_name(url, ns, std::string(rest, 'p'));
  CHECK(at_bound.size() == 200);
  CHECK(at_bound.find(std::string(rest, 'p')) != std::string::npos);

  const std::string over = project_snapshot_name(url, ns, std::string(rest + 1, 'p'));
  CHECK(over.size() == 8 + 64 + 5);
  CHECK(over.rfind("project.", 0) == 0);
  CHECK(over.substr(over.size() - 5) == ".json");
  CHECK(only_safe_bytes(over));
  CHECK(over.find_first_not_of("0123456789abcdef", 8) == over.size() - 5);
  // Leaves room for <name>.tmp-XXXXXX within a 255-byte file name.
  CHECK(at_bound.size() + std::string(".tmp-XXXXXX").size() <= 255);

  // Deterministic, and the length prefixes keep shifted parts apart.
  const std::string long_code(300, 'x');
  // SHA-256 of "21:https://m.example.com4:shop300:xxx...".
  CHECK(project_snapshot_name(url, ns, long_code) ==
        "project.7a40750970e38ca8b2c35708043926b5be9fa1e5c9bdfabdd10d7c56f95ac181.json");
  std::set<std::string> names = {
      project_snapshot_name(url, ns + "x", long_code.substr(1)),
      project_snapshot_name(url, ns, long_code),
      project_snapshot_name(url + "x", ns, long_code.substr(1)),
      project_snapshot_name(url, long_code, ns),
      project_snapshot_name(url, ns, long_code + "y"),
      project_snapshot_name(url, ns, std::string(100, '%')),  // 100 bytes escaped to 300
  };
  CHECK(names.size() == 6);
  for (const std::string& name : names) {
    CHECK(name.size() == 77);
  }
  // The bound is on the escaped bytes: 50 '%' are 150 of them.
  CHECK(project_snapshot_name(url, ns, std::string(50, '%')).size() == 200);
  CHECK(project_snapshot_name(url, ns, std::string(51, '%')).size() == 77);
}
