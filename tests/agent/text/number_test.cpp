#include <catch2/catch.hpp>

#include <cstdlib>

#include "agent/text/number.hpp"
#include "agent/text/plural.hpp"

using flecto::format_number;

TEST_CASE("number: integers in full, others in the shortest text that reads back the same") {
  CHECK(format_number(0) == "0");
  CHECK(format_number(160000) == "160000");
  CHECK(format_number(4294967296.0) == "4294967296");
  CHECK(format_number(1.5) == "1.5");
  CHECK(format_number(0.005) == "0.005");
  CHECK(format_number(0.00001) == "1e-05");
  // A Unix time with milliseconds: "%.9g" printed 1.79612658e+09, 10 s steps.
  CHECK(format_number(1796126580.123) == "1796126580.123");
  for (const double v : {1796126580.123, 0.1, 2.0 / 3.0, 12345.678901234}) {
    CHECK(std::strtod(format_number(v).c_str(), nullptr) == v);
  }
}

TEST_CASE("plural: one rule, two rules, no rules") {
  CHECK(flecto::counted("rule", 0) == "0 rules");
  CHECK(flecto::counted("rule", 1) == "1 rule");
  CHECK(flecto::counted("redirect", 2) == "2 redirects");
  CHECK(flecto::counted("page", 1) == "1 page");
}
