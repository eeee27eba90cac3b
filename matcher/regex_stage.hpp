// One regex stage of matching (REGEX_HOST on host+uri, or REGEX on uri).
//
// Answers "which rule of this stage wins for this input, with which groups"
// as shared/matching.md says: a rule is a candidate when the input starts
// with its literal prefix; a candidate matches when its pattern is found in
// the input (unanchored, leftmost-first); the longest source wins, then the
// rule listed first.
//
// Rules are kept in priority order (rank 0 wins over rank 1, ...). A match
// narrows the candidates in three steps, cheapest first, and only ever
// drops rules that cannot match:
//   1. literal prefixes: the distinct prefixes are hashed per length, so
//      the prefixes of the input are found with one lookup per length;
//   2. when many candidates remain and the input is ASCII, RE2's FilteredRE2
//      prefilter: the atoms (lower-cased literals each pattern requires)
//      present in the lower-cased input are found with one RE2::Set of
//      literals, and the rules whose atoms are missing are dropped;
//   3. when still many remain, the stage's RE2::Sets (chunks of rules in
//      priority order) say which rules match; the first chunk with a
//      matching candidate holds the winner.
// The winner is then run alone (RE2 with captures) for its groups. Few
// candidates are simply run one by one in priority order; when the prefixes
// alone leave few candidates for every possible input (rules that each begin
// with their own literal path), no prefilter and no sets are built at all.
//
// Memory: `memory_budget` bounds what RE2 may use for all programs and DFA
// caches of the stage. Sets that cannot compile within their share are
// split; a set whose DFA runs out of memory during a match is replaced, for
// that match, by running its candidates one by one. Neither changes answers.
//
// Thread-safety: match() is const and may be called concurrently.

#ifndef FLECTO_MATCHER_REGEX_STAGE_HPP_
#define FLECTO_MATCHER_REGEX_STAGE_HPP_

#include <re2/stringpiece.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flecto {

class RegexStage {
 public:
  // A regex rule of this stage, in list order.
  struct Rule {
    std::string_view source;
    std::uint32_t id;  // the caller's rule number, returned by match()
  };
  // A rule that could not be compiled, with the reason.
  struct Failure {
    std::size_t position;  // in the `rules` given to build()
    std::string reason;
  };
  // The winning rule and its groups: groups[1..group_count] ($1..$9 only).
  struct Hit {
    std::uint32_t id = 0;
    int group_count = 0;
    re2::StringPiece groups[10];
  };

  RegexStage();
  RegexStage(RegexStage&&) noexcept;
  RegexStage& operator=(RegexStage&&) noexcept;
  ~RegexStage();

  static RegexStage build(const std::vector<Rule>& rules, std::size_t memory_budget,
                          std::vector<Failure>* failures);

  // The winner for `input`, or false when no rule of the stage matches.
  bool match(std::string_view input, Hit* hit) const;

  std::size_t size() const;
  std::size_t set_count() const;
  // Heap held by the stage, with RE2's share counted as the memory handed to
  // it (programs and DFA caches grow up to that and no further).
  std::size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flecto

#endif  // FLECTO_MATCHER_REGEX_STAGE_HPP_
