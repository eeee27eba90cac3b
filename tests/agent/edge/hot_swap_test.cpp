// Swapping tables while requests are answered: every answer comes whole from
// the old table or the new one, and none fails.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/agent/edge/test_support.hpp"

using namespace flecto;
using namespace flecto::test;

namespace {

// Version v redirects /a and /b to /v<v>-a and /v<v>-b; a mixed answer would
// show two versions on one connection's pair of requests.
std::shared_ptr<const Table> version_table(int v) {
  Rules rules;
  rules.version = v;
  rules.redirects = {redirect("BASIC", "/a", "/v" + std::to_string(v) + "-a"),
                     redirect("BASIC", "/b", "/v" + std::to_string(v) + "-b")};
  rules.pages = {page("BASIC", "/page", "page of version " + std::to_string(v))};
  return build_table(rules);
}

}  // namespace

TEST_CASE("edge: hot swap under concurrent requests", "[edge][swap][threads]") {
  EdgeOptions options;
  options.debug_headers = true;
  RunningEdge edge(options);
  const std::vector<std::shared_ptr<const Table>> tables = {version_table(1), version_table(2)};
  edge.served.swap_in(tables[0]);

  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, answered{0}, seen_v1{0}, seen_v2{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!done.load()) {
        RawClient client(edge.port());
        for (int i = 0; i < 20; ++i) {
          if (!client.send(request("GET", "/a") + request("GET", "/page"))) {
            ++failures;
            break;
          }
          const auto a = client.read_response();
          const auto p = client.read_response();
          if (!a || !p || a->status != 301 || p->status != 200) {
            ++failures;
            break;
          }
          const std::string v = a->header("x-flecto-version");
          const bool consistent =
              (v == "1" || v == "2") && a->header("location") == "/v" + v + "-a" &&
              p->body == "page of version " + p->header("x-flecto-version");
          if (!consistent) ++failures;
          ++(v == "1" ? seen_v1 : seen_v2);
          answered += 2;
        }
      }
    });
  }
  // Swap for as long as the clients need to get 2000 answers.
  for (int swap = 0; answered.load() < 2000; ++swap) {
    edge.served.swap_in(tables[swap % 2]);
    std::this_thread::yield();
  }
  done = true;
  for (auto& c : clients) c.join();
  CHECK(failures.load() == 0);
  CHECK(answered.load() >= 2000);
  CHECK(seen_v1.load() > 0);  // both tables were served
  CHECK(seen_v2.load() > 0);
}
