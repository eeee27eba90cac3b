#include "agent/text/number.hpp"

#include <cstdint>
#include <cstdio>

namespace flecto {

std::string format_number(double value) {
  char buf[64];
  if (value < 9e15 && value > -9e15 &&
      value == static_cast<double>(static_cast<std::int64_t>(value))) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", value);
  }
  return buf;
}

}  // namespace flecto
