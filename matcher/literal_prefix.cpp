#include "matcher/literal_prefix.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstddef>

namespace flecto {
namespace {

// Memory for the throwaway RE2 used only for the analysis: PossibleMatchRange
// walks a DFA and fails when that DFA runs out of memory.
constexpr std::int64_t kAnalysisMaxMem = std::int64_t{64} << 20;
constexpr int kFirstMaxLen = 256;
constexpr int kLastMaxLen = 1 << 20;

std::size_t common_prefix_length(const std::string& a, const std::string& b) {
  std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Length of the longest prefix of `text` made of whole UTF-8 characters.
// Bytes that do not form a valid sequence count as one character each, which
// only matters for \C patterns.
std::size_t whole_characters(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 1;
    if (i + len > text.size()) break;
    bool valid = true;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) valid = false;
    }
    i += valid ? len : 1;
  }
  return i;
}

}  // namespace

std::optional<std::string> literal_prefix(std::string_view source) {
  // matching.md drops one leading '^'. It also keeps RE2 from splitting off
  // a required prefix: when the DFA walk fails, RE2 would still succeed with
  // max = successor(prefix), one byte short. Hence also a dedicated RE2
  // with ample memory rather than the rule's own, small-budget one.
  if (!source.empty() && source.front() == '^') source.remove_prefix(1);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kAnalysisMaxMem);
  RE2 re(re2::StringPiece(source.data(), source.size()), options);
  if (!re.ok()) return std::nullopt;

  for (int maxlen = kFirstMaxLen; maxlen <= kLastMaxLen; maxlen *= 2) {
    std::string min, max;
    if (!re.PossibleMatchRange(&min, &max, maxlen)) {
      // Fails when every string matches at once, when the pattern starts with
      // an unbounded wildcard, or when the DFA runs out of memory. If the
      // empty string is an anchored match, "" is exact; otherwise we cannot
      // tell.
      if (re.Match("", 0, 0, RE2::ANCHOR_START, nullptr, 0)) {
        return std::string();
      }
      return std::nullopt;
    }
    std::size_t n = common_prefix_length(min, max);
    // min and max are cut at maxlen (and max then rounded up), so a common
    // prefix reaching near maxlen may have been truncated: look further.
    if (n + 8 < static_cast<std::size_t>(maxlen)) {
      return std::string(min.data(), whole_characters(std::string_view(min.data(), n)));
    }
  }
  return std::nullopt;
}

}  // namespace flecto
