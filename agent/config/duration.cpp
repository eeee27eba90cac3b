#include "agent/config/duration.hpp"

#include <cstdint>
#include <limits>

namespace flecto {
namespace {

// Nanoseconds per unit; the ns precision keeps "1.5us" + "999.5us" exact.
struct Unit {
  std::string_view name;
  std::int64_t nanos;
};
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw std::invalid_argument("invalid duration \"" + std::string(text) + "\": " + why);
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::milliseconds(0);
  if (rest.empty()) fail(text, "empty");

  // Go's bound: the total must fit in int64 nanoseconds (about 292 years).
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  while (!rest.empty()) {
    std::int64_t whole = 0;
    std::size_t i = 0;
    for (; i < rest.size() && is_digit(rest[i]); ++i) {
      if (whole > (kMax - (rest[i] - '0')) / 10) fail(text, "out of range");
      whole = whole * 10 + (rest[i] - '0');
    }
    bool has_whole = i > 0;
    // The fraction: digits kept as a numerator over a power of ten, so that
    // "0.1h" is exactly 360 s.
    std::int64_t fraction = 0, scale = 1;
    bool has_fraction = false;
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      for (; i < rest.size() && is_digit(rest[i]); ++i) {
        has_fraction = true;
        if (scale <= kMax / 10 / 10) {  // further digits are below a nanosecond
          fraction = fraction * 10 + (rest[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!has_whole && !has_fraction) fail(text, "expected a number at \"" + std::string(rest) + "\"");
    rest.remove_prefix(i);

    std::size_t unit_end = 0;
    while (unit_end < rest.size() && !is_digit(rest[unit_end]) && rest[unit_end] != '.') ++unit_end;
    std::string_view unit_name = rest.substr(0, unit_end);
    if (unit_name.empty()) fail(text, "missing unit (ns, us, ms, s, m or h)");
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) fail(text, "unknown unit \"" + std::string(unit_name) + "\"");
    rest.remove_prefix(unit_end);

    if (whole > kMax / unit->nanos) fail(text, "out of range");
    std::int64_t value = whole * unit->nanos;
    // fraction / scale < 1, so fraction * nanos / scale < nanos; split to avoid overflow.
    std::int64_t part = static_cast<std::int64_t>(
        static_cast<long double>(fraction) * static_cast<long double>(unit->nanos) /
        static_cast<long double>(scale));
    if (value > kMax - part || total > kMax - value - part) fail(text, "out of range");
    total += value + part;
  }
  std::int64_t ms = total / 1'000'000;
  return std::chrono::milliseconds(negative ? -ms : ms);
}

std::string format_duration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;  // -2^63 ms is beyond any duration parse_duration returns
  }
  std::int64_t hours = ms / 3'600'000;
  ms %= 3'600'000;
  std::int64_t minutes = ms / 60'000;
  ms %= 60'000;
  std::int64_t seconds = ms / 1000;
  ms %= 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (seconds > 0) out += std::to_string(seconds) + "s";
  if (ms > 0) out += std::to_string(ms) + "ms";
  return out;
}

}  // namespace flecto
