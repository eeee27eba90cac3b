#include "matcher/substitute.hpp"

namespace flecto {

std::string substitute(std::string_view target, const re2::StringPiece* groups, int group_count) {
  std::string out;
  out.reserve(target.size() + 32);
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '$' && i + 1 < target.size()) {
      int d = target[i + 1] - '0';
      if (d >= 1 && d <= 9 && d <= group_count) {
        const re2::StringPiece& g = groups[d];
        if (g.data() != nullptr) out.append(g.data(), g.size());
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace flecto
