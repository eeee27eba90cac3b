// A request's text as Go's regexp package reads it, for the regex stages.
//
// Go's regexp decodes its input as UTF-8 and reads each byte that does not
// start a valid sequence (a stray continuation byte, a truncated or overlong
// sequence, an encoded surrogate, a code point above U+10FFFF) as U+FFFD, one
// byte at a time; `.`, `[^/]` and `\x{FFFD}` match it, and captured groups
// are the bytes as received. RE2 in UTF-8 mode never matches such a byte, so
// `^/old/(.*)$` would miss `/old/caf\xE9` that the manager's matcher (and its
// Traefik middleware) redirect. The regex stages therefore run on a reading
// of the input with each invalid byte replaced by U+FFFD's encoding (EF BF
// BD), and map the groups back.
//
// Where raw non-ASCII still comes from: the edge matches the path re-encoded
// as Go's net/http hands it over (agent/edge/request_target.hpp), so a path
// from the edge is always ASCII; but the query is kept byte for byte, as Go
// keeps it, and the `match` command and the admin /match take the uri as
// given. Valid UTF-8 and ASCII, the edge's common case, cost one scan and
// no copy.
//
//   GoReading reading(uri);                  // copies only invalid input
//   stage.match(reading.text(), &hit);
//   for (auto& g : groups) g = reading.original(g);
//
// The literal-prefix check of matching.md is made on the same reading; it
// can differ from Go's check on the bytes as received only for a prefix that
// itself holds U+FFFD or half a character, against invalid input (README.md,
// "Choices").

#ifndef FLECTO_MATCHER_GO_READING_HPP_
#define FLECTO_MATCHER_GO_READING_HPP_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flecto {

class GoReading {
 public:
  // `text` must outlive the reading (text() may be `text` itself).
  explicit GoReading(std::string_view text);
  GoReading(const GoReading&) = delete;
  GoReading& operator=(const GoReading&) = delete;

  // The text to run regexes on: `text` itself when it is valid UTF-8.
  std::string_view text() const { return text_; }
  // Whether text() differs from the text given.
  bool replaced() const { return !replacements_.empty(); }

  // The bytes as received that `piece`, a view into text(), was read from.
  // A piece with a null data() (a group that took no part) is returned as
  // it is.
  std::string_view original(std::string_view piece) const;

 private:
  std::size_t original_offset(std::size_t offset) const;

  std::string_view original_;
  std::string_view text_;
  std::string copy_;
  std::vector<std::size_t> replacements_;  // where each U+FFFD starts in copy_
};

// Whether `text` is valid UTF-8 as Go's unicode/utf8 defines it.
bool valid_utf8(std::string_view text);

}  // namespace flecto

#endif  // FLECTO_MATCHER_GO_READING_HPP_
