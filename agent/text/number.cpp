#include "agent/text/number.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace flecto {

std::string format_number(double value) {
  char buf[64];
  if (value < 9e15 && value > -9e15 &&
      value == static_cast<double>(static_cast<std::int64_t>(value))) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
    return buf;
  }
  // The shortest text that reads back as the same double: a Unix time in
  // seconds keeps its milliseconds (nine digits would round it to 10 s).
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes; never a torn number
  return std::string(buf, end);
}

}  // namespace flecto
