#include "tests/standin_manager/go_duration.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace flecto::standin {
namespace {

constexpr std::uint64_t kMax = std::uint64_t{1} << 63;  // |INT64_MIN|

// The unit at the start of `text` (longest first), its length and its nanoseconds.
std::optional<std::pair<std::size_t, std::uint64_t>> unit_at(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kUnits{{
      {"ns", 1},
      {"us", 1000},
      {"\xC2\xB5s", 1000},  // U+00B5 micro sign
      {"\xCE\xBCs", 1000},  // U+03BC Greek mu
      {"ms", 1000000},
      {"s", 1000000000},
      {"m", 60ull * 1000000000},
      {"h", 3600ull * 1000000000},
  }};
  for (const auto& [name, nanos] : kUnits) {
    if (text.substr(0, name.size()) == name) return std::pair{name.size(), nanos};
  }
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::int64_t> parse_go_duration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  while (!text.empty()) {
    // The number: whole part, then an optional fraction; at least one digit.
    std::uint64_t whole = 0;
    std::size_t digits = 0;
    while (!text.empty() && is_digit(text.front())) {
      if (whole > (kMax - 9) / 10) return std::nullopt;
      whole = whole * 10 + static_cast<std::uint64_t>(text.front() - '0');
      text.remove_prefix(1);
      ++digits;
    }
    std::uint64_t fraction = 0, scale = 1;
    if (!text.empty() && text.front() == '.') {
      text.remove_prefix(1);
      while (!text.empty() && is_digit(text.front())) {
        if (scale < 1000000000000000000ull) {  // further digits cannot matter
          fraction = fraction * 10 + static_cast<std::uint64_t>(text.front() - '0');
          scale *= 10;
        }
        text.remove_prefix(1);
        ++digits;
      }
    }
    if (digits == 0) return std::nullopt;
    auto unit = unit_at(text);
    if (!unit) return std::nullopt;
    text.remove_prefix(unit->first);
    const std::uint64_t nanos = unit->second;
    if (whole > kMax / nanos) return std::nullopt;
    std::uint64_t value = whole * nanos;
    // fraction / scale of a unit, in long double: fraction * nanos could
    // overflow 64 bits.
    const auto part = static_cast<std::uint64_t>(static_cast<long double>(fraction) * static_cast<long double>(nanos) /
                                                 static_cast<long double>(scale));
    value += part;
    if (value > kMax || total > kMax - value) return std::nullopt;
    total += value;
  }
  if (!negative && total == kMax) return std::nullopt;
  return negative ? static_cast<std::int64_t>(0 - total) : static_cast<std::int64_t>(total);
}

}  // namespace flecto::standin
