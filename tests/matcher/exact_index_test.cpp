#include "matcher/exact_index.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace flecto {
namespace {

TEST_CASE("exact index: finds, misses, and a later equal key replaces", "[matcher][index]") {
  std::vector<std::string> keys = {"/a", "/b", "/a", "", "/a/"};
  auto key_of = [&keys](std::uint32_t v) { return std::string_view(keys[v]); };
  ExactIndex index(keys.size());
  for (std::uint32_t v = 0; v < keys.size(); ++v) index.insert(keys[v], v, key_of);
  CHECK(index.size() == 4);
  CHECK(index.find("/a", key_of) == 2u);
  CHECK(index.find("/b", key_of) == 1u);
  CHECK(index.find("", key_of) == 3u);
  CHECK(index.find("/a/", key_of) == 4u);
  CHECK_FALSE(index.find("/c", key_of));
  CHECK_FALSE(index.find("/A", key_of));
  CHECK(index.memory_bytes() >= 8 * sizeof(std::uint64_t));
}

TEST_CASE("exact index: many keys, every one found", "[matcher][index]") {
  std::vector<std::string> keys;
  for (int i = 0; i < 50000; ++i) keys.push_back("/path/" + std::to_string(i * 7919));
  auto key_of = [&keys](std::uint32_t v) { return std::string_view(keys[v]); };
  ExactIndex index(keys.size());
  for (std::uint32_t v = 0; v < keys.size(); ++v) index.insert(keys[v], v, key_of);
  std::size_t found = 0;
  for (std::uint32_t v = 0; v < keys.size(); ++v) found += index.find(keys[v], key_of) == v;
  CHECK(found == keys.size());
  CHECK_FALSE(index.find("/path/1", key_of));
}

TEST_CASE("exact index: prefix hashes equal whole-key hashes", "[matcher][index]") {
  const std::string text = "example.com:8080/some/longer/path/with?query=1&x=2";
  PrefixHasher hasher(text);
  for (std::size_t n = 0; n <= text.size(); n += 1 + n % 3) {
    INFO("length " << n);
    CHECK(hasher.hash(n) == ExactIndex::hash(std::string_view(text).substr(0, n)));
  }
  // Equal prefixes of different lengths differ (the length is mixed in).
  CHECK(ExactIndex::hash(std::string_view("ab\0", 3)) != ExactIndex::hash("ab"));
}

}  // namespace
}  // namespace flecto
