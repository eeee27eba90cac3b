#include "agent/edge/negotiation.hpp"

#include "agent/text/ascii.hpp"

namespace flecto {

namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// A weight (RFC 9110 12.4.2: "0", "0.5", "1.000"): whether it is above 0.
// Unreadable: false.
bool weight_above_zero(std::string_view q) {
  if (q.empty() || q.size() > 5) return false;
  if (q[0] == '1') {
    for (const char c : q.substr(1)) {
      if (c != '.' && c != '0') return false;
    }
    return q.size() == 1 || q[1] == '.';
  }
  if (q[0] != '0') return false;
  if (q.size() == 1) return false;  // "0"
  if (q[1] != '.') return false;
  bool above = false;
  for (const char c : q.substr(2)) {
    if (c < '0' || c > '9') return false;
    above = above || c != '0';
  }
  return above;
}

}  // namespace

bool if_none_match_hits(std::string_view value, std::string_view etag) {
  value = trim(value);
  if (value == "*") return true;
  const std::string_view opaque = etag.starts_with("W/") ? etag.substr(2) : etag;
  while (!value.empty()) {
    while (!value.empty() && (is_ows(value.front()) || value.front() == ',')) value.remove_prefix(1);
    if (value.empty()) break;
    if (value.starts_with("W/")) value.remove_prefix(2);
    if (value.front() != '"') return false;  // malformed from here on
    const auto close = value.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (value.substr(0, close + 1) == opaque) return true;
    value.remove_prefix(close + 1);
  }
  return false;
}

bool accepts_gzip(std::string_view value) {
  int gzip = -1, star = -1;  // -1: not named; else 0 or 1 (accepted)
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const auto semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    bool accepted = true;
    // Parameters: only q counts ("gzip;q=0.5", "gzip; q=0").
    for (std::string_view params = semicolon == std::string_view::npos ? std::string_view() : item.substr(semicolon + 1);
         !params.empty();) {
      const auto next = params.find(';');
      const std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        accepted = weight_above_zero(param.substr(2));
      }
    }
    if (ascii_iequals(coding, "gzip") || ascii_iequals(coding, "x-gzip")) {
      gzip = gzip == 1 ? 1 : accepted;  // named twice: either acceptance counts
    } else if (coding == "*") {
      star = star == 1 ? 1 : accepted;
    }
  }
  if (gzip >= 0) return gzip == 1;
  return star == 1;
}

}  // namespace flecto
