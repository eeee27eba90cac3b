#include "matcher/go_reading.hpp"

#include <algorithm>
#include <cstdint>

namespace flecto {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool in(unsigned char c, unsigned char low, unsigned char high) { return c >= low && c <= high; }

// The length of the valid UTF-8 sequence at text[i], or 0 when the byte
// there does not start one (Go's utf8.DecodeRuneInString then returns
// RuneError with width 1).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto at = [&text](std::size_t j) -> unsigned char {
    return static_cast<unsigned char>(j < text.size() ? text[j] : '\0');
  };
  const unsigned char b = at(i);
  if (b < 0x80) return 1;
  // The allowed range of the second byte, per lead byte (RFC 3629, table 3-7
  // of the Unicode standard): it rules out overlong forms, surrogates and
  // code points above U+10FFFF.
  unsigned char low = 0x80, high = 0xBF;
  std::size_t length;
  if (in(b, 0xC2, 0xDF)) {
    length = 2;
  } else if (in(b, 0xE0, 0xEF)) {
    length = 3;
    if (b == 0xE0) low = 0xA0;
    if (b == 0xED) high = 0x9F;
  } else if (in(b, 0xF0, 0xF4)) {
    length = 4;
    if (b == 0xF0) low = 0x90;
    if (b == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (!in(at(i + 1), low, high)) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!in(at(i + k), 0x80, 0xBF)) return 0;
  }
  return length;
}

bool ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

bool valid_utf8(std::string_view text) {
  if (ascii(text)) return true;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

GoReading::GoReading(std::string_view text) : original_(text), text_(text) {
  if (valid_utf8(text)) return;
  copy_.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i);
    if (n == 0) {
      replacements_.push_back(copy_.size());
      copy_ += kReplacement;
      ++i;
    } else {
      copy_.append(text, i, n);
      i += n;
    }
  }
  text_ = copy_;
}

std::size_t GoReading::original_offset(std::size_t offset) const {
  // Each replacement before `offset` turned one byte into three.
  const auto before = static_cast<std::size_t>(
      std::lower_bound(replacements_.begin(), replacements_.end(), offset) - replacements_.begin());
  if (before != 0) {
    const std::size_t last = replacements_[before - 1];
    // Inside a replacement (only a byte-level pattern, \C, can cut one):
    // the position after the byte it stands for.
    if (offset < last + kReplacement.size()) return last - 2 * (before - 1) + 1;
  }
  return offset - 2 * before;
}

std::string_view GoReading::original(std::string_view piece) const {
  if (piece.data() == nullptr || !replaced()) return piece;
  const auto begin = static_cast<std::size_t>(piece.data() - text_.data());
  const std::size_t first = original_offset(begin);
  const std::size_t last = original_offset(begin + piece.size());
  return original_.substr(first, last - first);
}

}  // namespace flecto
