// ASCII text helpers that ignore the locale: protocol tokens (HTTP header
// names, JSON keys) compare case-insensitively in ASCII only, whatever the
// process's locale says about other bytes.
//
//   ascii_iequals("Content-Length", "content-length")  -> true
//   ascii_iequals("caf\xc3\xa9", "CAF\xc3\x89")          -> false (only A-Z fold)

#ifndef FLECTO_AGENT_TEXT_ASCII_HPP_
#define FLECTO_AGENT_TEXT_ASCII_HPP_

#include <cstddef>
#include <string_view>

namespace flecto {

// `c` with A-Z mapped to a-z; every other byte unchanged.
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `a` and `b` have the same bytes once A-Z are folded to a-z.
constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace flecto

#endif  // FLECTO_AGENT_TEXT_ASCII_HPP_
