// Reading If-None-Match and Accept-Encoding (agent/edge/negotiation.hpp).
#include <catch2/catch.hpp>

#include "agent/edge/negotiation.hpp"

using flecto::accepts_gzip;
using flecto::if_none_match_hits;

TEST_CASE("negotiation: If-None-Match names a tag exactly, in a list, as * or weak", "[edge][negotiation]") {
  const char* tag = "\"abc\"";
  CHECK(if_none_match_hits("\"abc\"", tag));
  CHECK(if_none_match_hits("W/\"abc\"", tag));
  CHECK(if_none_match_hits("*", tag));
  CHECK(if_none_match_hits("  *  ", tag));
  CHECK(if_none_match_hits("\"x\", \"abc\"", tag));
  CHECK(if_none_match_hits("\"x\",W/\"abc\",\"y\"", tag));
  CHECK(if_none_match_hits(",,\"abc\"", tag));
  CHECK(if_none_match_hits("\"a,b\", \"abc\"", tag));  // a comma inside a tag is part of it
}

TEST_CASE("negotiation: If-None-Match without the tag, or unreadable, does not hit", "[edge][negotiation]") {
  const char* tag = "\"abc\"";
  CHECK_FALSE(if_none_match_hits("", tag));
  CHECK_FALSE(if_none_match_hits("\"abcd\"", tag));
  CHECK_FALSE(if_none_match_hits("\"ABC\"", tag));  // opaque tags are compared byte for byte
  CHECK_FALSE(if_none_match_hits("abc", tag));
  CHECK_FALSE(if_none_match_hits("\"abc", tag));
  CHECK_FALSE(if_none_match_hits("w/\"abc\"", tag));  // W/ is case-sensitive
  CHECK_FALSE(if_none_match_hits("x, \"abc\"", tag));  // unreadable from the start
  CHECK_FALSE(if_none_match_hits("*, \"x\"", tag));  // "*" alone, not in a list
  CHECK_FALSE(if_none_match_hits("\"abc-gz\"", tag));
}

TEST_CASE("negotiation: Accept-Encoding takes gzip by name or by *, with a weight above 0", "[edge][negotiation]") {
  for (const char* value : {"gzip", "GZip", "x-gzip", "gzip, deflate, br", "deflate,gzip", "gzip;q=1", "gzip;q=1.000",
                            "gzip; q=0.001", "gzip;Q=0.5", "*", "*;q=0.1", "br, *", "gzip;q=0.5;level=1",
                            "identity;q=0, gzip", " gzip "}) {
    CAPTURE(value);
    CHECK(accepts_gzip(value));
  }
}

TEST_CASE("negotiation: Accept-Encoding refuses gzip with q=0, without it, or unreadably", "[edge][negotiation]") {
  for (const char* value : {"", "identity", "deflate", "br, deflate", "gzip;q=0", "gzip;q=0.0", "gzip; q=0.000",
                            "*;q=0", "gzip;q=0, *", "*, gzip;q=0", "gzip;q=", "gzip;q=2", "gzip;q=1.5",
                            "gzip;q=0.0001", "gzip;q=abc", "gzipx", "xgzip", "gz"}) {
    CAPTURE(value);
    CHECK_FALSE(accepts_gzip(value));
  }
}
