// Joining texts with a separator: ["a", "b"] with ", " is "a, b".

#ifndef FLECTO_AGENT_TEXT_JOIN_HPP_
#define FLECTO_AGENT_TEXT_JOIN_HPP_

#include <string>
#include <string_view>
#include <vector>

namespace flecto {

// `items` with `separator` between them; "" for none.
inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace flecto

#endif  // FLECTO_AGENT_TEXT_JOIN_HPP_
