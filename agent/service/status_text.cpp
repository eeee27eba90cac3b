#include "agent/service/status_text.hpp"

#include <ctime>

namespace flecto {
namespace {

std::string utc_clock_time(ServiceFacts::Time t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M", &utc);
  return std::string(text) + " UTC";
}

}  // namespace

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (std::size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

std::string ago(std::chrono::system_clock::duration elapsed) {
  using namespace std::chrono;
  const auto s = duration_cast<seconds>(elapsed).count();
  if (s < 60) return "just now";
  if (s < 3600) return std::to_string(s / 60) + " min ago";
  if (s < 86400) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " d ago";
}

std::string service_status_text(const ServiceFacts& facts, ServiceFacts::Time now) {
  std::string text;
  const std::string rules = with_thousands(facts.rules) + (facts.rules == 1 ? " rule)" : " rules)");
  if (facts.projects > 1) {
    if (facts.serving == 0) {
      text = "no table yet";
    } else {
      text = "serving " +
             (facts.serving == facts.projects ? std::to_string(facts.projects)
                                              : std::to_string(facts.serving) + " of " + std::to_string(facts.projects)) +
             " projects (" + rules;
    }
    if (facts.failing_since) return text + "; sync failing since " + utc_clock_time(*facts.failing_since);
    if (facts.serving > 0 && facts.last_check_ok) return text + ", last sync ok " + ago(now - *facts.last_check_ok);
    return text;
  }
  if (!facts.version) {
    text = "no table yet";
  } else {
    text = "serving version " + std::to_string(*facts.version) + " (" + rules;
  }
  if (facts.from_rules_file) return facts.version ? text + " from the rules file" : text;
  if (facts.failing_since) return text + "; sync failing since " + utc_clock_time(*facts.failing_since);
  if (facts.version && facts.last_check_ok) return text + ", last sync ok " + ago(now - *facts.last_check_ok);
  return text;
}

}  // namespace flecto
