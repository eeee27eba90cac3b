// A plain matcher used as a test oracle for flecto::Table.
//
// It follows shared/matching.md as literally as possible: every rule is
// checked one by one, in list order, with a freshly compiled RE2; no sets,
// no maps, no prefilters. Slow by design; only the literal prefix and the
// reading of invalid UTF-8 as Go's regexp reads it come from the matcher
// (matcher/literal_prefix.hpp, matcher/go_reading.hpp, each tested on its own).

#ifndef FLECTO_TESTS_SUPPORT_REFERENCE_MATCHER_HPP_
#define FLECTO_TESTS_SUPPORT_REFERENCE_MATCHER_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/rule.hpp"

namespace flecto::test {

struct ReferenceRedirect {
  Redirect rule;       // as listed
  std::string target;  // resolved
};

class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(Rules rules);

  std::optional<ReferenceRedirect> match_redirect(std::string_view host,
                                                  std::string_view uri) const;
  std::optional<Page> match_page(std::string_view host, std::string_view uri) const;

  // Whether the table should apply this rule (matching.md, "Invalid rules").
  static bool valid(const Redirect& rule);
  static bool valid(const Page& page);

 private:
  Rules rules_;
  // Per redirect, decided once: applied or not, and its literal prefix.
  std::vector<bool> applied_;
  std::vector<std::string> prefix_;
};

}  // namespace flecto::test

#endif  // FLECTO_TESTS_SUPPORT_REFERENCE_MATCHER_HPP_
