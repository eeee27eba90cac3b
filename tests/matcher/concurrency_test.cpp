// Many threads matching against one table get the answers one thread gets.

#include <catch2/catch.hpp>
#include <thread>

#include "matcher/table.hpp"

namespace flecto {
namespace {

TEST_CASE("concurrency: threads share one table", "[matcher][threads]") {
  Rules rules;
  for (int i = 0; i < 300; ++i) {
    std::string n = std::to_string(i);
    rules.redirects.push_back({"BASIC", "/b/" + n, "/basic/" + n, "FOUND"});
    rules.redirects.push_back(
        {"REGEX", "^/section" + n + "/([a-z]+)/(\\d+)$", "/s/$1/$2", "FOUND"});
    rules.redirects.push_back({"REGEX", "(?i)/product" + n + "/(\\d+)", "/p/$1", "FOUND"});
    rules.redirects.push_back(
        {"REGEX", "/([a-z]{" + std::to_string(1 + i % 9) + "})/(x|y)", "/g/$1/$2", "FOUND"});
    rules.redirects.push_back({"REGEX_HOST", "(www\\.)?example\\.com/h" + n, "/h", "FOUND"});
  }
  std::vector<std::string> uris;
  for (int i = 0; i < 400; ++i) {
    std::string n = std::to_string(i);
    uris.push_back("/b/" + n);
    uris.push_back("/section" + n + "/abc/12");
    uris.push_back("/x/PRODUCT" + n + "/7");
    uris.push_back("/abcdef/x");
    uris.push_back("/h" + n);
  }
  std::shared_ptr<const Table> table = Table::build(rules).table;
  auto answer = [&table](const std::string& uri) {
    std::optional<RedirectMatch> m = table->match_redirect("www.example.com", uri);
    return m ? std::string(m->rule.source) + " -> " + m->target : std::string("none");
  };
  std::vector<std::string> expected;
  for (const std::string& uri : uris) expected.push_back(answer(uri));

  constexpr int kThreads = 4;
  std::vector<std::size_t> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < uris.size(); ++i) {
          // Each thread walks the queries from a different place.
          std::size_t k = (i + static_cast<std::size_t>(t) * 97) % uris.size();
          if (answer(uris[k]) != expected[k]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
  CHECK(expected[0] == "/b/0 -> /basic/0");
  CHECK(expected[1] == "^/section0/([a-z]+)/(\\d+)$ -> /s/abc/12");
  CHECK(expected[2] == "(?i)/product0/(\\d+) -> /p/7");
}

}  // namespace
}  // namespace flecto
