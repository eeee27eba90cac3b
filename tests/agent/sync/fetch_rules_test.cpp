#include <catch2/catch.hpp>

#include "agent/sync/fetch_rules.hpp"
#include "tests/agent/sync/fakes.hpp"

using flecto::fetch_rules;
using flecto::ManagerError;
using flecto::test::FakeManager;
using flecto::test::sample_rules;

TEST_CASE("fetch: one version, both lists in order") {
  FakeManager manager(sample_rules(4, 10));
  auto fetched = fetch_rules(manager, 4, 500, {});
  CHECK(fetched.rules == sample_rules(4, 10));
  CHECK(fetched.attempts == 1);
  CHECK(manager.calls("version") == 1);
}

TEST_CASE("fetch: a version that moves mid-fetch starts over, the result is one whole version") {
  FakeManager manager(sample_rules(4, 10));
  bool published = false;
  manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "pages" && !published) {
      published = true;
      manager.publish(sample_rules(5, 2));  // after the redirects of 4 were read
    }
  });
  auto fetched = fetch_rules(manager, 4, 500, {});
  CHECK(fetched.attempts == 2);
  CHECK(fetched.rules == sample_rules(5, 2));
}

TEST_CASE("fetch: a version that keeps moving is an error after three attempts") {
  FakeManager manager(sample_rules(1));
  std::int64_t next = 1;
  manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "pages") manager.publish(sample_rules(++next));
  });
  try {
    fetch_rules(manager, 1, 500, {});
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.kind() == ManagerError::Kind::kInvalidData);
    CHECK_THAT(e.what(), Catch::Contains("3 fetches") && Catch::Contains("1 -> 2, 2 -> 3, 3 -> 4"));
  }
  CHECK(manager.calls("redirects") == 3);
}

TEST_CASE("fetch: version 0 is empty rules without listing") {
  FakeManager manager;
  auto fetched = fetch_rules(manager, 0, 500, {});
  CHECK(fetched.rules == flecto::Rules{});
  CHECK(manager.calls("redirects") == 0);
  CHECK(manager.calls("pages") == 0);
}

TEST_CASE("fetch: errors of any endpoint pass through with their kind") {
  for (const char* endpoint : {"version", "redirects", "pages"}) {
    FakeManager manager(sample_rules(2));
    manager.fail(endpoint, flecto::test::http_error(403));
    try {
      fetch_rules(manager, 2, 500, {});
      FAIL("no error");
    } catch (const ManagerError& e) {
      CHECK(e.kind() == ManagerError::Kind::kHttpStatus);
      CHECK(e.http_status() == 403);
    }
  }
}

TEST_CASE("fetch: a stop request cancels") {
  FakeManager manager(sample_rules(2));
  std::stop_source stop;
  stop.request_stop();
  try {
    fetch_rules(manager, 2, 500, stop.get_token());
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.kind() == ManagerError::Kind::kCancelled);
  }
  CHECK(manager.calls("version") == 0);
}

namespace {

ManagerError inconsistent_listing() {
  return ManagerError(ManagerError::Kind::kInvalidData,
                      "GET .../redirects?limit=500: inconsistent listing: more items (12) than Total (10)");
}

}  // namespace

TEST_CASE("fetch: a listing broken by a publish starts over, counted as an attempt") {
  for (const char* broken : {"redirects", "pages"}) {
    INFO(broken);
    FakeManager manager(sample_rules(4, 10));
    bool published = false;
    manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
      if (endpoint == broken && !published) {
        published = true;
        manager.publish(sample_rules(5, 12));  // rows added mid-walk: the walk fails
        throw inconsistent_listing();
      }
    });
    auto fetched = fetch_rules(manager, 4, 500, {});
    CHECK(fetched.attempts == 2);
    CHECK(fetched.rules == sample_rules(5, 12));
    // The caller's read, the read after the broken walk, the second attempt's two.
    CHECK(manager.calls("version") == 3);
  }
}

TEST_CASE("fetch: a broken listing of a version that did not move is the listing's error") {
  FakeManager manager(sample_rules(4, 10));
  manager.fail("redirects", inconsistent_listing());
  try {
    fetch_rules(manager, 4, 500, {});
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.kind() == ManagerError::Kind::kInvalidData);
    CHECK_THAT(e.what(), Catch::Contains("more items (12) than Total (10)"));
  }
  CHECK(manager.calls("redirects") == 1);
  CHECK(manager.calls("version") == 1);  // read once more, to see it did not move
}

TEST_CASE("fetch: listings broken by publishes every time spend the attempts") {
  FakeManager manager(sample_rules(1));
  std::int64_t next = 1;
  manager.set_on_call([&](const std::string& endpoint, std::stop_token) {
    if (endpoint == "redirects") {
      manager.publish(sample_rules(++next));
      throw inconsistent_listing();
    }
  });
  try {
    fetch_rules(manager, 1, 500, {});
    FAIL("no error");
  } catch (const ManagerError& e) {
    CHECK(e.kind() == ManagerError::Kind::kInvalidData);
    CHECK_THAT(e.what(), Catch::Contains("3 fetches") && Catch::Contains("1 -> 2, 2 -> 3, 3 -> 4"));
  }
  CHECK(manager.calls("redirects") == 3);
  CHECK(manager.calls("pages") == 0);
}

TEST_CASE("fetch: other listing errors are not retried") {
  FakeManager manager(sample_rules(4, 10));
  manager.fail("redirects", flecto::test::unreachable());
  CHECK_THROWS_AS(fetch_rules(manager, 4, 500, {}), ManagerError);
  CHECK(manager.calls("version") == 0);
}
