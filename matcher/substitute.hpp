// Target substitution for regex redirects (shared/matching.md, "Target").

#ifndef FLECTO_MATCHER_SUBSTITUTE_HPP_
#define FLECTO_MATCHER_SUBSTITUTE_HPP_

#include <re2/stringpiece.h>

#include <string>
#include <string_view>

namespace flecto {

// Returns `target` with each "$d" (d = 1..9) replaced by groups[d], for
// d <= group_count; a group that took no part in the match (null data) gives
// "". Everything else stays literal: "$0", "$" before a non-digit or at the
// end, and "$d" with d > group_count. "$10" is group 1, then "0". One
// left-to-right pass: text copied from a group is never scanned again.
// `groups` has group_count + 1 entries (entry 0, the whole match, is unused).
std::string substitute(std::string_view target, const re2::StringPiece* groups, int group_count);

}  // namespace flecto

#endif  // FLECTO_MATCHER_SUBSTITUTE_HPP_
