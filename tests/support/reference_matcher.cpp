#include "support/reference_matcher.hpp"

#include <re2/re2.h>

#include <vector>

#include "matcher/go_reading.hpp"
#include "matcher/literal_prefix.hpp"

namespace flecto::test {
namespace {

RE2::Options quiet() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// Written apart from matcher/substitute.cpp on purpose.
std::string resolve(const std::string& target, const std::vector<std::string>& groups,
                    const std::vector<bool>& took_part) {
  std::string out;
  std::size_t i = 0;
  while (i < target.size()) {
    if (target[i] == '$' && i + 1 < target.size() && target[i + 1] >= '1' && target[i + 1] <= '9' &&
        static_cast<std::size_t>(target[i + 1] - '0') < groups.size()) {
      std::size_t d = static_cast<std::size_t>(target[i + 1] - '0');
      if (took_part[d]) out += groups[d];
      i += 2;
    } else {
      out += target[i];
      i += 1;
    }
  }
  return out;
}

}  // namespace

ReferenceMatcher::ReferenceMatcher(Rules rules) : rules_(std::move(rules)) {
  for (const Redirect& r : rules_.redirects) {
    applied_.push_back(valid(r));
    std::optional<std::string> prefix;
    if (applied_.back() && (r.type == "REGEX" || r.type == "REGEX_HOST")) {
      prefix = literal_prefix(r.source);
    }
    prefix_.push_back(prefix.value_or(""));
  }
}

bool ReferenceMatcher::valid(const Redirect& rule) {
  if (!parse_redirect_type(rule.type) || !parse_redirect_status(rule.status)) return false;
  if (rule.source.empty()) return false;
  if (rule.type == "REGEX" || rule.type == "REGEX_HOST") {
    RE2 re(rule.source, quiet());
    if (!re.ok()) return false;
    if (!literal_prefix(rule.source)) return false;
  }
  return true;
}

bool ReferenceMatcher::valid(const Page& page) {
  return parse_page_type(page.type) && parse_content_type(page.content_type) && !page.path.empty();
}

std::optional<ReferenceRedirect> ReferenceMatcher::match_redirect(std::string_view host,
                                                                  std::string_view uri) const {
  const std::string host_uri = std::string(host) + std::string(uri);
  // Stages 1 and 2: exact sources, the last listed wins.
  for (const char* type : {"BASIC_HOST", "BASIC"}) {
    const std::string& input = std::string(type) == "BASIC" ? std::string(uri) : host_uri;
    const Redirect* found = nullptr;
    for (std::size_t i = 0; i < rules_.redirects.size(); ++i) {
      const Redirect& r = rules_.redirects[i];
      if (r.type == type && applied_[i] && r.source == input) found = &r;
    }
    if (found) return ReferenceRedirect{*found, found->target};
  }
  // Stages 3 and 4: longest source among matching candidates, first listed.
  for (const char* type : {"REGEX_HOST", "REGEX"}) {
    const std::string received = std::string(type) == "REGEX" ? std::string(uri) : host_uri;
    // Read as Go's regexp reads it: each invalid UTF-8 byte is U+FFFD.
    const GoReading reading(received);
    const std::string input(reading.text());
    const Redirect* best = nullptr;
    std::string best_target;
    for (std::size_t i = 0; i < rules_.redirects.size(); ++i) {
      const Redirect& r = rules_.redirects[i];
      if (r.type != type || !applied_[i]) continue;
      if (best && r.source.size() <= best->source.size()) continue;
      const std::string& prefix = prefix_[i];
      if (input.compare(0, prefix.size(), prefix) != 0) continue;
      RE2 re(r.source, quiet());
      int n = re.NumberOfCapturingGroups();
      std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(n) + 1);
      if (!re.Match(input, 0, input.size(), RE2::UNANCHORED, pieces.data(), n + 1)) continue;
      std::vector<std::string> groups;
      std::vector<bool> took_part;
      for (const re2::StringPiece& p : pieces) {
        // Groups are the bytes as received.
        std::string_view piece(p.data(), p.size());
        if (p.data() && reading.replaced()) {
          const auto at = static_cast<std::size_t>(p.data() - input.data());
          piece = reading.original(reading.text().substr(at, p.size()));
        }
        groups.emplace_back(p.data() ? std::string(piece) : std::string());
        took_part.push_back(p.data() != nullptr);
      }
      best = &r;
      best_target = resolve(r.target, groups, took_part);
    }
    if (best) return ReferenceRedirect{*best, best_target};
  }
  return std::nullopt;
}

std::optional<Page> ReferenceMatcher::match_page(std::string_view host,
                                                 std::string_view uri) const {
  const std::string host_uri = std::string(host) + std::string(uri);
  for (const char* type : {"BASIC_HOST", "BASIC"}) {
    const std::string input = std::string(type) == "BASIC" ? std::string(uri) : host_uri;
    const Page* found = nullptr;
    for (const Page& p : rules_.pages) {
      if (p.type == type && valid(p) && p.path == input) found = &p;
    }
    if (found) return *found;
  }
  return std::nullopt;
}

}  // namespace flecto::test
