// ContentDecoder: gzip and deflate bodies decoded as they arrive, bounded
// by their decoded size.

#include <catch2/catch.hpp>

#include <string>

#include "agent/manager/content_decoder.hpp"
#include "tests/agent/manager/compress.hpp"

namespace flecto {
namespace {

using Result = ContentDecoder::Result;
using test::compress;
using test::Wrapper;

std::string sample_text() {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"Source\":\"/from/" + std::to_string(i) + "\",\"Target\":\"/to\"},";
  return text;
}

// Feeds `body` in pieces of `piece` bytes; returns the first result that
// is not kOk, else finish()'s.
Result decode(ContentDecoder& decoder, std::string_view body, std::string& out, std::size_t max,
              std::size_t piece) {
  for (std::size_t at = 0; at < body.size(); at += piece) {
    const Result result = decoder.feed(body.substr(at, piece), out, max);
    if (result != Result::kOk) return result;
  }
  return decoder.finish();
}

}  // namespace

TEST_CASE("content decoder: gzip, x-gzip and deflate (zlib or raw) decode, whole or byte by byte",
          "[content_decoder]") {
  const std::string text = sample_text();
  const auto [encoding, wrapper] = GENERATE(std::pair{"gzip", Wrapper::kGzip}, std::pair{"x-gzip", Wrapper::kGzip},
                                            std::pair{" GZIP ", Wrapper::kGzip}, std::pair{"deflate", Wrapper::kZlib},
                                            std::pair{"deflate", Wrapper::kRaw});
  const std::size_t piece = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100000});
  const std::string body = compress(text, wrapper);
  REQUIRE(body.size() < text.size() / 4);
  ContentDecoder decoder(encoding);
  std::string out;
  CHECK(decode(decoder, body, out, text.size(), piece) == Result::kOk);
  CHECK(out == text);
}

TEST_CASE("content decoder: no encoding or identity passes the bytes, bounded", "[content_decoder]") {
  const char* encoding = GENERATE("", "identity");
  ContentDecoder decoder(encoding);
  std::string out;
  CHECK(decoder.feed("abc", out, 5) == Result::kOk);
  CHECK(decoder.feed("def", out, 5) == Result::kTooLarge);
  CHECK(out == "abc");
  CHECK(decoder.finish() == Result::kOk);
}

TEST_CASE("content decoder: concatenated gzip members decode one after another", "[content_decoder]") {
  ContentDecoder decoder("gzip");
  std::string out;
  CHECK(decode(decoder, compress("first,") + compress("second"), out, 100, 3) == Result::kOk);
  CHECK(out == "first,second");
}

TEST_CASE("content decoder: the bound is on decoded bytes: a gzip bomb stops at the bound", "[content_decoder]") {
  // 1 GiB of zeros in about 1 MiB: the decoder must stop at 1 MiB decoded,
  // holding no more than that.
  const std::string bomb = test::gzip_of_zeros(std::size_t{1} << 30);
  REQUIRE(bomb.size() < (std::size_t{2} << 20));
  ContentDecoder decoder("gzip");
  std::string out;
  const std::size_t max = std::size_t{1} << 20;
  CHECK(decode(decoder, bomb, out, max, 64 << 10) == Result::kTooLarge);
  CHECK(out.size() <= max);
  CHECK(out.capacity() < 4 * max);
}

TEST_CASE("content decoder: a body exactly at the bound is accepted", "[content_decoder]") {
  const std::string text(100000, 'x');
  ContentDecoder decoder("gzip");
  std::string out;
  CHECK(decode(decoder, compress(text), out, text.size(), 1000) == Result::kOk);
  CHECK(out.size() == text.size());
  ContentDecoder smaller("gzip");
  std::string out2;
  CHECK(decode(smaller, compress(text), out2, text.size() - 1, 1000) == Result::kTooLarge);
}

TEST_CASE("content decoder: corrupt, truncated and trailing-garbage bodies are corrupt, with a reason",
          "[content_decoder]") {
  const std::string good = compress(sample_text());
  std::string out;
  SECTION("not gzip at all") {
    ContentDecoder decoder("gzip");
    CHECK(decode(decoder, "{\"Items\":[]}", out, 1 << 20, 4) == Result::kCorrupt);
    CHECK_THAT(decoder.error(), Catch::Contains("gzip answer is corrupt"));
  }
  SECTION("flipped bytes in the middle") {
    std::string bad = good;
    for (std::size_t i = bad.size() / 2; i < bad.size() / 2 + 16; ++i) bad[i] = static_cast<char>(~bad[i]);
    ContentDecoder decoder("gzip");
    CHECK(decode(decoder, bad, out, 1 << 24, 4096) == Result::kCorrupt);
    CHECK_THAT(decoder.error(), Catch::Contains("corrupt"));
  }
  SECTION("cut short") {
    ContentDecoder decoder("gzip");
    CHECK(decode(decoder, std::string_view(good).substr(0, good.size() / 2), out, 1 << 24, 4096) ==
          Result::kCorrupt);
    CHECK_THAT(decoder.error(), Catch::Contains("ends before its compressed stream"));
  }
  SECTION("garbage after a zlib stream") {
    ContentDecoder decoder("deflate");
    CHECK(decode(decoder, compress("abc", Wrapper::kZlib) + "junk", out, 100, 100) == Result::kCorrupt);
    CHECK_THAT(decoder.error(), Catch::Contains("bytes after its end"));
  }
  SECTION("an encoding it did not ask for") {
    ContentDecoder decoder("br");
    CHECK(decoder.feed("x", out, 100) == Result::kCorrupt);
    CHECK_THAT(decoder.error(), Catch::Contains("\"br\"") && Catch::Contains("gzip, deflate"));
    CHECK(decoder.finish() == Result::kCorrupt);
  }
  SECTION("an empty gzip body (a 204) is no stream, and fine") {
    ContentDecoder decoder("gzip");
    CHECK(decoder.finish() == Result::kOk);
  }
}

}  // namespace flecto
