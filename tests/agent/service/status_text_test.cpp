#include <catch2/catch.hpp>

#include "agent/service/status_text.hpp"

using namespace flecto;
using namespace std::chrono_literals;

namespace {

// 2026-12-01 12:03:00 UTC.
const ServiceFacts::Time kNoon = std::chrono::system_clock::from_time_t(1796126580);

}  // namespace

TEST_CASE("service status: says what is true, from no table to serving and failing") {
  ServiceFacts facts;
  CHECK(service_status_text(facts, kNoon) == "no table yet");

  facts.failing_since = kNoon;
  CHECK(service_status_text(facts, kNoon + 5min) == "no table yet; sync failing since 12:03 UTC");

  facts = {};
  facts.version = 42;
  facts.rules = 1204;
  facts.last_check_ok = kNoon;
  CHECK(service_status_text(facts, kNoon + 3min + 20s) ==
        "serving version 42 (1,204 rules), last sync ok 3 min ago");

  // A failure in progress wins over the older success.
  facts.failing_since = kNoon + 10min;
  CHECK(service_status_text(facts, kNoon + 30min) ==
        "serving version 42 (1,204 rules); sync failing since 12:13 UTC");

  ServiceFacts file;
  file.version = 7;
  file.rules = 1;
  file.from_rules_file = true;
  CHECK(service_status_text(file, kNoon) == "serving version 7 (1 rule) from the rules file");
}

TEST_CASE("service status: numbers and ages read as a person writes them") {
  CHECK(with_thousands(0) == "0");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1000) == "1,000");
  CHECK(with_thousands(1234567) == "1,234,567");
  CHECK(ago(0s) == "just now");
  CHECK(ago(59s) == "just now");
  CHECK(ago(60s) == "1 min ago");
  CHECK(ago(3min + 59s) == "3 min ago");
  CHECK(ago(2h + 5min) == "2 h ago");
  CHECK(ago(72h) == "3 d ago");
}
