#include "agent/config/setting_value.hpp"

#include <charconv>
#include <stdexcept>

#include "agent/config/duration.hpp"

namespace flecto {

std::string duration_problem(std::string_view text, std::chrono::milliseconds& out) {
  try {
    const auto parsed = parse_duration(text);
    if (parsed.count() <= 0) return "must be longer than 0, got \"" + std::string(text) + "\"";
    out = parsed;
    return {};
  } catch (const std::invalid_argument& e) {
    return std::string(e.what()) + " (write it like 30s, 5m or 1h30m)";
  }
}

std::string whole_number_problem(std::string_view text, int min, int max, int& out) {
  int parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || parsed < min || parsed > max) {
    return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got \"" +
           std::string(text) + "\"";
  }
  out = parsed;
  return {};
}

std::string listing_limit_problem(std::string_view text, int& out) { return whole_number_problem(text, 1, 100000, out); }

std::string invalid_rules_problem(std::string_view text, InvalidRules& out) {
  if (text == "skip") {
    out = InvalidRules::kSkip;
  } else if (text == "reject") {
    out = InvalidRules::kReject;
  } else {
    return "expected skip or reject, got \"" + std::string(text) + "\"";
  }
  return {};
}

const char* invalid_rules_text(InvalidRules value) { return value == InvalidRules::kReject ? "reject" : "skip"; }

}  // namespace flecto
