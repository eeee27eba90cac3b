// A count and its noun, in the right number: counted("rule", 1) is "1 rule",
// counted("rule", 2) "2 rules", counted("rule", 0) "0 rules". For the nouns
// the agent counts (rule, redirect, page, item), which all take an "s".

#ifndef FLECTO_AGENT_TEXT_PLURAL_HPP_
#define FLECTO_AGENT_TEXT_PLURAL_HPP_

#include <cstdint>
#include <string>
#include <string_view>

namespace flecto {

inline std::string counted(std::string_view noun, std::uint64_t n) {
  std::string out = std::to_string(n);
  out += ' ';
  out += noun;
  if (n != 1) out += 's';
  return out;
}

}  // namespace flecto

#endif  // FLECTO_AGENT_TEXT_PLURAL_HPP_
