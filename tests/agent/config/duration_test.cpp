#include <catch2/catch.hpp>

#include "agent/config/duration.hpp"

using namespace std::chrono_literals;
using flecto::format_duration;
using flecto::parse_duration;

TEST_CASE("duration: Go-style units and sequences") {
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("1.5h") == 90min);
  CHECK(parse_duration("0.1h") == 6min);
  CHECK(parse_duration(".5s") == 500ms);
  CHECK(parse_duration("1h2m3s4ms") == 1h + 2min + 3s + 4ms);
  CHECK(parse_duration("0") == 0ms);
  CHECK(parse_duration("+2s") == 2s);
  CHECK(parse_duration("-2s") == -2s);
  CHECK(parse_duration("1500us") == 1ms);  // truncated to whole milliseconds
  CHECK(parse_duration("2000000ns") == 2ms);
  CHECK(parse_duration("3\xC2\xB5s") == 0ms);
}

TEST_CASE("duration: errors name the text and the fault") {
  CHECK_THROWS_WITH(parse_duration(""), "invalid duration \"\": empty");
  CHECK_THROWS_WITH(parse_duration("5"), Catch::Contains("\"5\": missing unit"));
  CHECK_THROWS_WITH(parse_duration("5x"), "invalid duration \"5x\": unknown unit \"x\"");
  CHECK_THROWS_WITH(parse_duration("5 m"), Catch::Contains("unknown unit \" m\""));
  CHECK_THROWS_WITH(parse_duration("m"), Catch::Contains("expected a number"));
  CHECK_THROWS_WITH(parse_duration("1h-5m"), Catch::Contains("unknown unit \"h-\""));
  CHECK_THROWS_WITH(parse_duration("."), Catch::Contains("expected a number"));
  CHECK_THROWS_WITH(parse_duration("9999999999999h"), Catch::Contains("out of range"));
  CHECK_THROWS_AS(parse_duration("5M"), std::invalid_argument);
}

TEST_CASE("duration: format is Go-like and parses back") {
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(30s) == "30s");
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(61500ms) == "1m1s500ms");
  CHECK(format_duration(-2s) == "-2s");
  for (auto d : {0ms, 1ms, 999ms, 1000ms, 3600001ms, 86400000ms}) {
    CHECK(parse_duration(format_duration(d)) == d);
  }
}
