// The synthetic rule sets flecto-bench is measured on, with their queries.
//
// Every set is a function of its name, the seed and the query count: the
// same arguments give the same rules and queries, byte for byte, on any
// machine (no std::*_distribution, whose results vary between libraries).
//
// Sets (see bench/README.md for the shapes):
//   basic-1m             1,000,000 redirects: 90% BASIC, 10% BASIC_HOST;
//                        paths of 20-60 bytes built from words, some with a
//                        query string or an extension; plus 2 pages.
//   mixed                100,000 BASIC plus 1,000 prefixed REGEX.
//   regex-prefixed-10k   10,000 REGEX, each with a literal prefix, 8 shapes.
//   regex-unprefixed-1k  1,000 REGEX with no literal prefix, 7 shapes.
//
// Queries: `hit_percent` of them are built to match a rule (picked at
// random); the others miss: half of those share the literal text of a
// rule but fail its pattern (a regex set's worst case), half are unrelated
// paths. Hosts are example.com except for BASIC_HOST hits.

#ifndef FLECTO_BENCH_RULE_SETS_HPP_
#define FLECTO_BENCH_RULE_SETS_HPP_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/match_command.hpp"
#include "matcher/rule.hpp"

namespace flecto::bench {

struct GeneratedSet {
  Rules rules;
  std::vector<MatchQuery> queries;
};

struct GenerateOptions {
  std::uint64_t seed = 1;
  std::size_t query_count = 100'000;
  unsigned hit_percent = 50;  // 0..100
};

// The names generate_set accepts, in the order above.
const std::vector<std::string>& set_names();

// Builds the set `name`. Throws std::invalid_argument for an unknown name.
GeneratedSet generate_set(std::string_view name, const GenerateOptions& options);

}  // namespace flecto::bench

#endif  // FLECTO_BENCH_RULE_SETS_HPP_
