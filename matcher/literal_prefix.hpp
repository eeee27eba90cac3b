// The literal prefix of a regex source (shared/matching.md, "Literal prefix").
//
// Drop one leading '^'; the literal prefix is the longest text that every
// match of the rest, anchored at its start, must begin with. A regex rule is
// a candidate for an input only if the input starts with this text, so the
// prefix must be exact: a shorter one would let more rules match, a longer
// one fewer.
//
// How: RE2::PossibleMatchRange(&min, &max, maxlen) bounds every anchored
// match s by min <= s <= max, so every match begins with the longest common
// prefix of min and max. The walk that builds min and max follows actual
// paths of the automaton, so the common prefix is also the longest one.
// The prefix is cut back to a whole UTF-8 character: under (?i) two
// spellings of a letter can share a first byte ("É" and "é" both start with
// 0xC3), and that byte is not text.

#ifndef FLECTO_MATCHER_LITERAL_PREFIX_HPP_
#define FLECTO_MATCHER_LITERAL_PREFIX_HPP_

#include <optional>
#include <string>
#include <string_view>

namespace flecto {

// The literal prefix of `source`, or std::nullopt when it cannot be
// determined: the source does not compile, or RE2 could not analyse it within
// the analysis memory (PossibleMatchRange failed, the pattern cannot match the
// empty string, and no prefix up to 1 MiB long was found). The caller skips
// such a rule rather than guess a prefix, since a wrong prefix gives wrong
// answers.
std::optional<std::string> literal_prefix(std::string_view source);

}  // namespace flecto

#endif  // FLECTO_MATCHER_LITERAL_PREFIX_HPP_
