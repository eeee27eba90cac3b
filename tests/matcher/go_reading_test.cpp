#include "matcher/go_reading.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace flecto {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

std::string read(std::string_view text) { return std::string(GoReading(text).text()); }

TEST_CASE("go reading: valid UTF-8 is read as it is, without a copy", "[matcher][go_reading]") {
  for (std::string_view text : {std::string_view(""), std::string_view("/plain/ascii?q=1"),
                                std::string_view("/caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x98\x80"),
                                std::string_view("/max/\xF4\x8F\xBF\xBF"), std::string_view(kFFFD)}) {
    GoReading reading(text);
    CHECK(reading.text().data() == text.data());
    CHECK_FALSE(reading.replaced());
    CHECK(valid_utf8(text));
  }
}

// The cases of Go's unicode/utf8: each byte that does not start a valid
// sequence is one U+FFFD, and decoding goes on at the next byte.
TEST_CASE("go reading: each invalid byte is one U+FFFD", "[matcher][go_reading]") {
  CHECK(read("/a\xFF" "b") == "/a" + kFFFD + "b");                        // never valid
  CHECK(read("/\x80\xBF") == "/" + kFFFD + kFFFD);                        // stray continuations
  CHECK(read("/caf\xE9") == "/caf" + kFFFD);                              // Latin-1 é
  CHECK(read("/\xE2\x82") == "/" + kFFFD + kFFFD);                        // truncated at the end
  CHECK(read("/\xE2\x82x") == "/" + kFFFD + kFFFD + "x");                 // truncated inside
  CHECK(read("/\xC0\x80") == "/" + kFFFD + kFFFD);                        // overlong NUL
  CHECK(read("/\xE0\x80\x80") == "/" + kFFFD + kFFFD + kFFFD);            // overlong 3-byte
  CHECK(read("/\xED\xA0\x80") == "/" + kFFFD + kFFFD + kFFFD);            // surrogate U+D800
  CHECK(read("/\xF4\x90\x80\x80") == "/" + kFFFD + kFFFD + kFFFD + kFFFD);  // above U+10FFFF
  CHECK(read("/\xF5\x80") == "/" + kFFFD + kFFFD);
  CHECK_FALSE(valid_utf8("/caf\xE9"));
}

TEST_CASE("go reading: pieces of the reading map back to the bytes as received",
          "[matcher][go_reading]") {
  const std::string received = "/r/a\xFF" "b/\xE9\xE9/c";
  GoReading reading(received);
  const std::string_view text = reading.text();
  REQUIRE(text == "/r/a" + kFFFD + "b/" + kFFFD + kFFFD + "/c");
  CHECK(reading.replaced());
  // The whole reading, a piece holding a replacement, pieces after them.
  CHECK(reading.original(text) == received);
  CHECK(reading.original(text.substr(3, 5)) == "a\xFF" "b");
  CHECK(reading.original(text.substr(text.size() - 2)) == "/c");
  CHECK(reading.original(text.substr(9, 6)) == "\xE9\xE9");
  CHECK(reading.original(text.substr(0, 0)).empty());
  // The views point into what was received.
  CHECK(reading.original(text.substr(3, 5)).data() == received.data() + 3);
  // A group that took no part stays null.
  CHECK(reading.original(std::string_view()).data() == nullptr);
}

}  // namespace
}  // namespace flecto
