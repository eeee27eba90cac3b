#include "agent/sync/strict_versions.hpp"

#include "agent/rules/rules_json.hpp"
#include "agent/text/plural.hpp"

namespace flecto {

bool rejects(InvalidRules policy, const BuildResult& built) {
  return policy == InvalidRules::kReject && !built.skipped.empty();
}

std::string rejection_message(std::int64_t version, const std::vector<SkippedRule>& skipped,
                              std::optional<std::int64_t> serving) {
  std::string out = "version " + std::to_string(version) + " rejected (on_invalid_rules = reject), serving " +
                    (serving ? "version " + std::to_string(*serving) + " as before" : std::string("nothing"));
  if (skipped.empty()) return out;
  SkippedRule first = skipped.front();
  first.name = shorten_utf8(first.name, 200);
  first.reason = shorten_utf8(first.reason, 300);
  return out + ": " + counted("invalid rule", skipped.size()) + "; first: " + first.describe();
}

}  // namespace flecto
