#include "agent/config/header_value.hpp"

#include <cstdio>

namespace flecto {

namespace {

constexpr std::size_t kMaxHeaderValue = 1024;

}  // namespace

std::string header_value_problem(std::string_view value) {
  if (value.size() > kMaxHeaderValue) {
    return std::to_string(value.size()) + " bytes: a header value here is at most " + std::to_string(kMaxHeaderValue);
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7f) continue;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", c);
    return "byte " + std::to_string(i + 1) + " is " + (c < 0x20 || c == 0x7f ? "a control character" : "not ASCII") +
           " (" + hex + "): a header value holds printable ASCII only";
  }
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
    return "white space at the start or end of \"" + std::string(value) + "\"";
  }
  return {};
}

}  // namespace flecto
