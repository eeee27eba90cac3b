#include <catch2/catch.hpp>

#include "tests/standin_manager/go_duration.hpp"

using flecto::standin::parse_go_duration;

TEST_CASE("go duration: what time.ParseDuration takes", "[standin]") {
  CHECK(parse_go_duration("0") == 0);
  CHECK(parse_go_duration("150ms") == 150000000);
  CHECK(parse_go_duration("1ns") == 1);
  CHECK(parse_go_duration("1.5s") == 1500000000);
  CHECK(parse_go_duration(".5s") == 500000000);
  CHECK(parse_go_duration("5.s") == 5000000000);
  CHECK(parse_go_duration("1h2m3.5s") == 3723500000000);
  CHECK(parse_go_duration("-1.5h") == -5400000000000);
  CHECK(parse_go_duration("+2us") == 2000);
  CHECK(parse_go_duration("3\xC2\xB5s") == 3000);
  CHECK(parse_go_duration("3\xCE\xBCs") == 3000);
  CHECK(parse_go_duration("2562047h47m16.854775807s") == INT64_MAX);
  CHECK(parse_go_duration("-2562047h47m16.854775808s") == INT64_MIN);
}

TEST_CASE("go duration: what it refuses", "[standin]") {
  for (const char* bad : {"", "-", "150", "1x", "ms", ".s", "1.5", "1 s", "s1", "1e3ns", "2562047h47m16.854775808s",
                          "9999999999999999999ns", "0.0.1s"}) {
    INFO(bad);
    CHECK_FALSE(parse_go_duration(bad));
  }
}
