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
