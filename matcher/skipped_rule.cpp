#include <cstdio>

#include "matcher/table.hpp"

namespace flecto {
namespace {

// Quotes `text` so that the description stays on one line.
void append_quoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

}  // namespace

std::string SkippedRule::describe() const {
  // Counted from 1, as a person counts: "redirect #1" is the first listed.
  std::string out = kind == Kind::kRedirect ? "redirect #" : "page #";
  out += std::to_string(index + 1);
  out.push_back(' ');
  append_quoted(out, name);
  out += ": ";
  for (char ch : reason) out.push_back(ch == '\n' || ch == '\r' ? ' ' : ch);
  return out;
}

}  // namespace flecto
