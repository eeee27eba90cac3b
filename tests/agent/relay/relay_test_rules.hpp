// Rules for the relay's tests: `redirects` redirects and `pages` pages of
// version `version`, with an invalid rule (an unknown status, which the
// agent skips and the relay must still serve) and strings that need JSON
// escaping (quotes, a backslash, a newline, UTF-8).

#ifndef FLECTO_TESTS_AGENT_RELAY_RELAY_TEST_RULES_HPP_
#define FLECTO_TESTS_AGENT_RELAY_RELAY_TEST_RULES_HPP_

#include <cstdint>
#include <string>

#include "matcher/rule.hpp"

namespace flecto::test {

inline Rules relay_rules(std::int64_t version, int redirects, int pages = 3) {
  Rules rules;
  rules.version = version;
  for (int i = 0; i < redirects; ++i) {
    const std::string n = std::to_string(i);
    if (i == 1) {
      rules.redirects.push_back({"BASIC", "/invalid", "/x", "GONE"});  // unknown status: skipped by the agent
    } else if (i == 2) {
      rules.redirects.push_back({"REGEX", "^/caf\xC3\xA9/(.*)\"q\\\\$", "/v" + std::to_string(version) + "/$1", "FOUND"});
    } else {
      rules.redirects.push_back({"BASIC", "/old/" + n, "/new/" + n + "?v=" + std::to_string(version), "MOVED_PERMANENT"});
    }
  }
  for (int i = 0; i < pages; ++i) {
    rules.pages.push_back({"BASIC", "/page" + std::to_string(i) + ".txt",
                           "line one\nline \"two\" of version " + std::to_string(version), "TEXT_PLAIN"});
  }
  return rules;
}

}  // namespace flecto::test

#endif  // FLECTO_TESTS_AGENT_RELAY_RELAY_TEST_RULES_HPP_
