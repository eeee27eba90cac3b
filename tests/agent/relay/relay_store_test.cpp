// The relay's store: the current version per project, and the versions it
// replaced, each kept for the grace (an injected clock), at most two.

#include <catch2/catch.hpp>

#include "agent/relay/relay_store.hpp"
#include "tests/agent/relay/relay_test_rules.hpp"

namespace flecto {
namespace {

Config project(const std::string& ns, const std::string& code) {
  Config config;
  config.manager_url = "https://manager.example.com";
  config.namespace_code = ns;
  config.project_code = code;
  config.token = "the-relay-s-own-token";
  return config;
}

}  // namespace

TEST_CASE("relay store: a swap keeps the old version for the grace, then drops it", "[relay][relay_store]") {
  RelayStore::Clock::time_point now{};
  RelayStore store(std::chrono::seconds(60), [&] { return now; });
  CHECK(store.find("prod", "site") == nullptr);
  store.offer(project("prod", "site"), test::relay_rules(1, 10));
  const auto relayed = store.find("prod", "site");
  REQUIRE(relayed != nullptr);
  const auto first = relayed->current();
  REQUIRE(first != nullptr);
  CHECK(first->version() == 1);
  CHECK(first->redirects().size() == 10);
  CHECK(relayed->upstream().manager_url == "https://manager.example.com");
  CHECK(relayed->upstream().token.empty());  // each downstream's own token goes upstream, never the relay's

  store.offer(project("prod", "site"), test::relay_rules(2, 12));
  CHECK(relayed->current()->version() == 2);
  CHECK(relayed->versions_held() == 2);
  CHECK(relayed->find(1, first->serial()) == first);
  CHECK(relayed->find(1, first->serial() + 100) == nullptr);  // same number, another serial
  now += std::chrono::seconds(59);
  CHECK(relayed->find(1, first->serial()) == first);
  now += std::chrono::seconds(1);
  CHECK(relayed->find(1, first->serial()) == nullptr);
  CHECK(relayed->versions_held() == 1);
  CHECK(relayed->held_bytes() == relayed->current()->bytes());
}

TEST_CASE("relay store: at most two replaced versions, projects apart, no grace drops at once",
          "[relay][relay_store]") {
  RelayStore::Clock::time_point now{};
  RelayStore store(std::chrono::minutes(2), [&] { return now; });
  std::vector<std::shared_ptr<const RelayVersion>> made;
  for (int v = 1; v <= 4; ++v) {
    store.offer(project("prod", "site"), test::relay_rules(v, 5));
    made.push_back(store.find("prod", "site")->current());
  }
  store.offer(project("prod", "other"), test::relay_rules(40, 2));
  const auto site = store.find("prod", "site");
  CHECK(site->versions_held() == 3);
  CHECK(site->find(1, made[0]->serial()) == nullptr);
  CHECK(site->find(2, made[1]->serial()) == made[1]);
  CHECK(site->find(3, made[2]->serial()) == made[2]);
  CHECK(store.find("prod", "other")->current()->version() == 40);
  CHECK(store.projects().size() == 2);

  RelayStore no_grace(std::chrono::milliseconds(0), [&] { return now; });
  no_grace.offer(project("a", "b"), test::relay_rules(1, 1));
  const auto old = no_grace.find("a", "b")->current();
  no_grace.offer(project("a", "b"), test::relay_rules(2, 1));
  CHECK(no_grace.find("a", "b")->find(1, old->serial()) == nullptr);
  CHECK(no_grace.find("a", "b")->versions_held() == 1);
}

TEST_CASE("relay version: pages are byte ranges of one buffer, items as the rules file writes them",
          "[relay][relay_store]") {
  const Rules rules = test::relay_rules(5, 3, 2);
  const auto held = RelayVersion::make(rules, 1);
  CHECK(held->redirects().range(0, 0).empty());
  CHECK(held->redirects().range(2, 1).empty());
  CHECK(held->redirects().range(3, 9).empty());
  const std::string_view all = held->redirects().range(0, 99);
  CHECK(all.front() == '{');
  CHECK(all.back() == '}');
  CHECK(held->redirects().range(0, 1).size() + 1 + held->redirects().range(1, 3).size() == all.size());
  CHECK(held->pages().range(1, 2).find("\\\"two\\\"") != std::string_view::npos);
  CHECK(held->pages().range(1, 2).find("\\n") != std::string_view::npos);
  CHECK(held->bytes() > all.size());
}

}  // namespace flecto
