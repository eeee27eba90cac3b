// What TableBuilder hands to Table to assemble: the redirects already in
// their arena, the exact ones waiting to be indexed, the regex ones waiting
// to be compiled, the pages as listed and the redirects left out so far.
// Internal to matcher/: table_builder.cpp fills it, table.cpp consumes it.

#ifndef FLECTO_MATCHER_TABLE_PARTS_HPP_
#define FLECTO_MATCHER_TABLE_PARTS_HPP_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "matcher/mapped_array.hpp"
#include "matcher/rule.hpp"
#include "matcher/table.hpp"

namespace flecto::table_parts {

// Redirects are stored back to back in one byte arena, each as a 10-byte
// header followed by its source and target, so that an exact lookup touches
// one slot and one place in the arena. A redirect is named by its offset.
constexpr std::size_t kHeaderSize = 10;  // u32 source size, u32 target size, type, status

struct Header {
  std::uint32_t source_size;
  std::uint32_t target_size;
  RedirectType type;
  RedirectStatus status;
};

inline void write_header(char* at, const Header& h) {
  std::memcpy(at, &h.source_size, 4);
  std::memcpy(at + 4, &h.target_size, 4);
  at[8] = static_cast<char>(h.type);
  at[9] = static_cast<char>(h.status);
}

inline Header read_header(const char* at) {
  Header h;
  std::memcpy(&h.source_size, at, 4);
  std::memcpy(&h.target_size, at + 4, 4);
  h.type = static_cast<RedirectType>(at[8]);
  h.status = static_cast<RedirectStatus>(at[9]);
  return h;
}

inline std::string_view source_at(const char* arena, std::uint32_t offset) {
  std::uint32_t size;
  std::memcpy(&size, arena + offset, 4);
  return std::string_view(arena + offset + kHeaderSize, size);
}

// An exact rule waiting to be indexed: the hash of its key, and its offset.
struct PendingInsert {
  std::uint64_t hash;
  std::uint32_t id;
};

// The regex rules of one stage, in list order: their offsets in the arena and
// their positions in the redirect list (to name those that do not compile).
struct PendingRegex {
  std::vector<std::uint32_t> ids;
  std::vector<std::size_t> list_index;
};

}  // namespace flecto::table_parts

namespace flecto {

struct TableParts {
  MappedArray<char> redirect_bytes;
  std::vector<table_parts::PendingInsert> basic, basic_host;  // in list order
  table_parts::PendingRegex regex, regex_host;
  std::vector<Page> pages;                       // every page, as listed
  std::vector<SkippedRule> skipped_redirects;    // in list order
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_TABLE_PARTS_HPP_
