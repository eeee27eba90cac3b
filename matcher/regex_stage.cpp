#include "matcher/regex_stage.hpp"

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <optional>

#include "matcher/exact_index.hpp"
#include "matcher/literal_prefix.hpp"

namespace flecto {
namespace {

// Candidates at or below this count are run one by one, in priority order,
// without asking the prefilter or the sets: a small RE2 search costs about
// as much as one set lookup.
constexpr std::size_t kRunDirectly = 8;
// Rules per RE2::Set. One big set thrashes its DFA cache when the patterns
// have no common structure; sets of about a hundred stay in the
// microseconds (issue 2 measured ten sets of 100 at about 5 us against
// 880 us for one set of 1,000 with an 8 MiB budget).
constexpr std::size_t kRulesPerSet = 128;
// Ceilings on what one RE2 object is handed. A rule's RE2 is run on a
// URL-sized input only when it is a likely winner; measured on 1,000 rules
// matched in random order, 8-16 KiB each was fastest (the work is then done
// by RE2's BitState in a few cold cache lines, instead of by two DFAs that
// are cold too), and 64 KiB to 8 MiB three to four times slower.
constexpr std::int64_t kMaxRuleMem = std::int64_t{16} << 10;
// Sets and the atom set serve many rules each; beyond these, memory only
// grows without making URL-sized matches faster.
constexpr std::int64_t kMaxSetMem = std::int64_t{1} << 20;
constexpr std::int64_t kMaxAtomSetMem = std::int64_t{4} << 20;
// Prefilter atoms shorter than this are not worth looking for.
constexpr int kMinAtomLength = 3;

RE2::Options rule_options(std::int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Per-thread buffers, so that a match allocates nothing once warm.
struct Scratch {
  std::vector<int> ranks;
  std::vector<int> atoms;
  std::vector<int> potentials;
  std::vector<int> set_hits;
  std::string lower;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// The order of precedence of `rules`: longest source first, then list order.
std::vector<std::size_t> priority_order(const std::vector<RegexStage::Rule>& rules) {
  std::vector<std::size_t> order(rules.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rules[a].source.size() > rules[b].source.size();
  });
  return order;
}

}  // namespace

struct RegexStage::Impl {
  // Rules in priority order; a rule's rank is its position here and also its
  // id in `filter`.
  std::vector<std::uint32_t> ids;
  std::vector<std::uint8_t> group_counts;
  // False for a rule kept only to keep ranks and filter ids in step: its
  // literal prefix could not be determined, so it is skipped and never a
  // candidate.
  std::vector<bool> usable;
  std::size_t usable_count = 0;
  std::vector<std::uint32_t> prefix_offsets, prefix_sizes;  // into prefix_bytes
  std::string prefix_bytes;
  re2::FilteredRE2 filter{kMinAtomLength};  // owns every rule's RE2

  // Distinct non-empty prefixes: index -> group; group g holds the ranks
  // group_ranks[group_starts[g] .. group_starts[g + 1]), ascending. Group 0
  // is the rules without a prefix.
  ExactIndex prefix_index;
  std::vector<std::uint32_t> group_key_offsets, group_key_sizes;
  std::vector<std::uint32_t> group_starts;
  std::vector<int> group_ranks;
  std::vector<std::uint32_t> prefix_lengths;  // distinct, ascending

  // Prefilter: the atoms as one set of literals (null when the filter is not
  // usable: no rules, or the set did not fit its share).
  bool filter_compiled = false;
  std::unique_ptr<RE2::Set> atom_set;
  bool atoms_empty = false;

  // RE2::Sets over consecutive ranks [first, last). A chunk without a set
  // (it did not compile within its share even alone) is run rule by rule.
  struct Chunk {
    int first, last;
    std::unique_ptr<RE2::Set> set;
  };
  std::vector<Chunk> chunks;
  std::size_t set_count = 0;

  std::size_t re2_memory = 0;  // max_mem handed to RE2 objects, summed

  // Ranks are ints, as RE2 numbers the rules of a FilteredRE2 or a Set.
  static std::size_t at(int rank) { return static_cast<std::size_t>(rank); }
  std::string_view prefix(int rank) const {
    return std::string_view(prefix_bytes.data() + prefix_offsets[at(rank)], prefix_sizes[at(rank)]);
  }
  bool candidate(int rank, std::string_view input) const {
    return usable[at(rank)] && input.substr(0, prefix_sizes[at(rank)]) == prefix(rank);
  }
  bool run(int rank, std::string_view input, Hit* hit) const {
    int n = group_counts[at(rank)];
    if (!filter.GetRE2(rank).Match(re2::StringPiece(input.data(), input.size()), 0, input.size(),
                                   RE2::UNANCHORED, hit->groups, n + 1)) {
      return false;
    }
    hit->id = ids[at(rank)];
    hit->group_count = n;
    return true;
  }
  // `ranks` ascending: the first candidate that matches wins.
  bool run_in_order(const std::vector<int>& ranks, std::string_view input, Hit* hit) const {
    for (int rank : ranks) {
      if (candidate(rank, input) && run(rank, input, hit)) return true;
    }
    return false;
  }
  // The prefix of group g (1..); group 0's is empty.
  std::string_view group_key(std::uint32_t g) const {
    return std::string_view(prefix_bytes.data() + group_key_offsets[g], group_key_sizes[g]);
  }
  // The winner by the sets. `potentials`, when given, is ascending and holds
  // every rank that can match; chunks without one are not asked.
  bool match_with_sets(std::string_view input, const std::vector<int>* potentials, Hit* hit) const;

  // The steps of build(), in order.

  // Adds the rules to the filter in priority order (`order`), each rule's
  // RE2 handed `rule_mem` or more, and returns their literal prefixes by
  // rank. A rule RE2 rejects is left out and added to `failed`; a rule whose
  // prefix cannot be determined is kept unusable, and added to `failed` too.
  std::vector<std::string> add_rules(const std::vector<Rule>& rules,
                                     const std::vector<std::size_t>& order, std::int64_t rule_mem,
                                     std::vector<Failure>* failed);
  // Stores the prefixes and groups the usable ranks by them.
  void group_by_prefix(const std::vector<std::string>& prefixes);
  // The most candidates the prefixes alone can leave for any input (stops
  // counting past kRunDirectly).
  std::size_t most_candidates() const;
  // The prefilter's set of atoms, within `atom_mem`.
  void build_prefilter(std::int64_t atom_mem);
  // The RE2::Sets over all ranks, from one `pool`.
  void build_chunks(std::int64_t pool);
  // Compiles ranks [first, last) into sets of at most `share` bytes each,
  // drawn from `pool`, splitting what does not fit.
  void build_sets(int first, int last, std::int64_t share, std::int64_t* pool);
};

RegexStage::RegexStage() : impl_(std::make_unique<Impl>()) {}
RegexStage::RegexStage(RegexStage&&) noexcept = default;
RegexStage& RegexStage::operator=(RegexStage&&) noexcept = default;
RegexStage::~RegexStage() = default;

void RegexStage::Impl::build_sets(int first, int last, std::int64_t share, std::int64_t* pool) {
  share = std::min(share, *pool);
  auto set = std::make_unique<RE2::Set>(rule_options(share), RE2::UNANCHORED);
  bool ok = share > 0;
  for (int rank = first; ok && rank < last; ++rank) {
    ok = set->Add(filter.GetRE2(rank).pattern(), nullptr) >= 0;
  }
  if (ok && set->Compile()) {
    chunks.push_back({first, last, std::move(set)});
    ++set_count;
    re2_memory += static_cast<std::size_t>(share);
    *pool -= share;
    return;
  }
  if (last - first == 1 || share <= 0) {
    chunks.push_back({first, last, nullptr});
    return;
  }
  // Too big for its share: each half gets the same share (half the rules in
  // the same memory may fit), still drawn from the one pool.
  int middle = first + (last - first) / 2;
  build_sets(first, middle, share, pool);
  build_sets(middle, last, share, pool);
}

RegexStage RegexStage::build(const std::vector<Rule>& rules, std::size_t memory_budget,
                             std::vector<Failure>* failures) {
  RegexStage stage;
  Impl& impl = *stage.impl_;
  if (rules.empty()) return stage;
  const auto budget = static_cast<std::int64_t>(std::min<std::size_t>(memory_budget, INT64_MAX));
  const auto n = static_cast<std::int64_t>(rules.size());

  // A quarter of the budget for the rules' own RE2s, an eighth for the
  // prefilter's set of atoms, the rest for the sets.
  const std::int64_t rule_mem = std::min(kMaxRuleMem, budget / 4 / n);
  std::vector<Failure> failed;
  impl.group_by_prefix(impl.add_rules(rules, priority_order(rules), rule_mem, &failed));
  const int ranked = static_cast<int>(impl.ids.size());
  if (ranked > 0 && impl.most_candidates() <= kRunDirectly) {
    // Every match is decided by running the candidates directly: the
    // prefilter and the sets would never be asked (typical of rules that
    // each begin with their own literal path).
    impl.chunks.push_back({0, ranked, nullptr});  // never asked; correct if it were
  } else if (ranked > 0) {
    impl.build_prefilter(std::min(kMaxAtomSetMem, budget / 8));
    impl.build_chunks(budget - budget / 4 - budget / 8);
  }

  std::sort(failed.begin(), failed.end(),
            [](const Failure& a, const Failure& b) { return a.position < b.position; });
  for (Failure& f : failed) failures->push_back(std::move(f));
  return stage;
}

std::vector<std::string> RegexStage::Impl::add_rules(const std::vector<Rule>& rules,
                                                     const std::vector<std::size_t>& order,
                                                     std::int64_t rule_mem,
                                                     std::vector<Failure>* failed) {
  std::vector<std::string> prefixes;
  for (std::size_t pos : order) {
    const Rule& rule = rules[pos];
    re2::StringPiece pattern(rule.source.data(), rule.source.size());
    // A rule whose program does not fit its share gets four times more, up
    // to RE2's default, which is also the test of whether RE2 rejects it.
    int id = -1;
    std::int64_t handed = std::max<std::int64_t>(rule_mem, 1);
    RE2::ErrorCode code = filter.Add(pattern, rule_options(handed), &id);
    while (code == RE2::ErrorPatternTooLarge && handed < RE2::Options::kDefaultMaxMem) {
      handed = std::min<std::int64_t>(handed * 4, RE2::Options::kDefaultMaxMem);
      code = filter.Add(pattern, rule_options(handed), &id);
    }
    if (code != RE2::NoError) {
      RE2 re(pattern, rule_options(RE2::Options::kDefaultMaxMem));
      failed->push_back({pos, "invalid regex: " + re.error()});
      continue;
    }
    std::optional<std::string> prefix = literal_prefix(rule.source);
    if (!prefix) {
      // The filter has it already; keep ranks and filter ids in step with a
      // rule that can never be a candidate.
      failed->push_back({pos, "literal prefix cannot be determined"});
    }
    usable.push_back(prefix.has_value());
    usable_count += prefix.has_value();
    re2_memory += static_cast<std::size_t>(handed);
    ids.push_back(rule.id);
    group_counts.push_back(
        static_cast<std::uint8_t>(std::min(filter.GetRE2(id).NumberOfCapturingGroups(), 9)));
    prefixes.push_back(prefix.value_or(std::string()));
  }
  return prefixes;
}

void RegexStage::Impl::group_by_prefix(const std::vector<std::string>& prefixes) {
  std::size_t total_bytes = 0;
  for (const std::string& p : prefixes) total_bytes += p.size();
  prefix_bytes.reserve(total_bytes);
  for (const std::string& p : prefixes) {
    prefix_offsets.push_back(static_cast<std::uint32_t>(prefix_bytes.size()));
    prefix_sizes.push_back(static_cast<std::uint32_t>(p.size()));
    prefix_bytes += p;
  }
  const int ranked = static_cast<int>(ids.size());
  std::vector<int> by_prefix;
  for (int r = 0; r < ranked; ++r) {
    if (usable[at(r)]) by_prefix.push_back(r);
  }
  std::stable_sort(by_prefix.begin(), by_prefix.end(),
                   [&](int a, int b) { return prefix(a) < prefix(b); });
  // Group 0: no prefix (sorts first); it exists even when empty.
  const auto starts_group = [&](std::size_t i) {
    const int r = by_prefix[i];
    return prefix_sizes[at(r)] != 0 &&
           (i == 0 || prefix(r) != prefix(by_prefix[i - 1]));
  };
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < by_prefix.size(); ++i) distinct += starts_group(i);
  prefix_index = ExactIndex(distinct);
  group_starts.push_back(0);
  group_key_offsets.push_back(0);
  group_key_sizes.push_back(0);
  auto key_of = [this](std::uint32_t g) { return group_key(g); };
  for (std::size_t i = 0; i < by_prefix.size(); ++i) {
    const int r = by_prefix[i];
    if (starts_group(i)) {
      group_starts.push_back(static_cast<std::uint32_t>(group_ranks.size()));
      group_key_offsets.push_back(prefix_offsets[at(r)]);
      group_key_sizes.push_back(prefix_sizes[at(r)]);
      auto g = static_cast<std::uint32_t>(group_key_sizes.size() - 1);
      prefix_index.insert(prefix(r), g, key_of);
      prefix_lengths.push_back(prefix_sizes[at(r)]);
    }
    group_ranks.push_back(r);
  }
  group_starts.push_back(static_cast<std::uint32_t>(group_ranks.size()));
  std::sort(prefix_lengths.begin(), prefix_lengths.end());
  prefix_lengths.erase(std::unique(prefix_lengths.begin(), prefix_lengths.end()),
                       prefix_lengths.end());
}

std::size_t RegexStage::Impl::most_candidates() const {
  // The rules without a prefix, plus, for the input that is a group's
  // prefix, those of that prefix and of all its own prefixes.
  std::size_t most = 0;
  const std::size_t group_count = group_starts.size() - 1;
  auto key_of = [this](std::uint32_t g) { return group_key(g); };
  for (std::uint32_t g = 1; g < group_count && most <= kRunDirectly; ++g) {
    std::string_view key = group_key(g);
    PrefixHasher hasher(key);
    std::size_t candidates = 0;
    for (std::uint32_t length : prefix_lengths) {
      if (length > key.size()) break;
      if (auto h = prefix_index.find(key.substr(0, length), hasher.hash(length), key_of)) {
        candidates += group_starts[*h + 1] - group_starts[*h];
      }
    }
    most = std::max(most, candidates);
  }
  return most + group_starts[1];
}

void RegexStage::Impl::build_prefilter(std::int64_t atom_mem) {
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  filter_compiled = true;
  atoms_empty = atoms.empty();
  if (atoms.empty() || atom_mem <= 0) return;
  RE2::Options options = rule_options(atom_mem);
  options.set_literal(true);
  options.set_encoding(RE2::Options::EncodingLatin1);
  auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  bool ok = true;
  for (std::size_t a = 0; ok && a < atoms.size(); ++a) {
    ok = set->Add(atoms[a], nullptr) == static_cast<int>(a);
  }
  if (ok && set->Compile()) {
    atom_set = std::move(set);
    re2_memory += static_cast<std::size_t>(atom_mem);
  }
}

void RegexStage::Impl::build_chunks(std::int64_t pool) {
  // The pool is offered evenly to the chunks still to build, so that a chunk
  // that had to split takes from the later ones and the total never exceeds
  // the pool.
  const int ranked = static_cast<int>(ids.size());
  const int per_set = static_cast<int>(kRulesPerSet);
  for (int first = 0; first < ranked; first += per_set) {
    const int chunks_left = (ranked - first + per_set - 1) / per_set;
    build_sets(first, std::min(ranked, first + per_set), std::min(kMaxSetMem, pool / chunks_left),
               &pool);
  }
}

bool RegexStage::Impl::match_with_sets(std::string_view input, const std::vector<int>* potentials,
                                       Hit* hit) const {
  Scratch& s = scratch();
  re2::StringPiece text(input.data(), input.size());
  auto next_potential = potentials ? potentials->begin() : std::vector<int>::const_iterator();
  for (const Chunk& chunk : chunks) {
    if (potentials) {
      while (next_potential != potentials->end() && *next_potential < chunk.first) ++next_potential;
      if (next_potential == potentials->end()) return false;
      if (*next_potential >= chunk.last) continue;
    }
    if (chunk.set) {
      RE2::Set::ErrorInfo error;
      if (chunk.set->Match(text, &s.set_hits, &error)) {
        // Set ids are offsets within the chunk; the lowest candidate wins.
        std::sort(s.set_hits.begin(), s.set_hits.end());
        for (int offset : s.set_hits) {
          int rank = chunk.first + offset;
          if (candidate(rank, input) && run(rank, input, hit)) return true;
        }
        continue;
      }
      if (error.kind == RE2::Set::kNoError) continue;  // no rule of the chunk matches
      // The set's DFA ran out of memory: answer from the rules themselves.
    }
    for (int rank = chunk.first; rank < chunk.last; ++rank) {
      if (candidate(rank, input) && run(rank, input, hit)) return true;
    }
  }
  return false;
}

bool RegexStage::match(std::string_view input, Hit* hit) const {
  const Impl& impl = *impl_;
  if (impl.ids.empty()) return false;
  Scratch& s = scratch();

  // 1. Candidates by literal prefix.
  std::size_t total = impl.group_starts[1];
  std::uint32_t groups[64];
  std::size_t group_count = 0;
  bool too_many_groups = false;
  auto key_of = [&impl](std::uint32_t g) { return impl.group_key(g); };
  PrefixHasher hasher(input);
  for (std::uint32_t length : impl.prefix_lengths) {
    if (length > input.size()) break;
    if (auto g = impl.prefix_index.find(input.substr(0, length), hasher.hash(length), key_of)) {
      if (group_count == std::size(groups)) {
        too_many_groups = true;
        break;
      }
      groups[group_count++] = *g;
      total += impl.group_starts[*g + 1] - impl.group_starts[*g];
    }
  }
  if (total == 0) return false;
  if (total <= kRunDirectly && !too_many_groups) {
    s.ranks.assign(impl.group_ranks.begin(), impl.group_ranks.begin() + impl.group_starts[1]);
    for (std::size_t i = 0; i < group_count; ++i) {
      std::uint32_t g = groups[i];
      s.ranks.insert(s.ranks.end(), impl.group_ranks.begin() + impl.group_starts[g],
                     impl.group_ranks.begin() + impl.group_starts[g + 1]);
    }
    std::sort(s.ranks.begin(), s.ranks.end());
    return impl.run_in_order(s.ranks, input, hit);
  }

  // 2. The prefilter, for ASCII inputs: the atoms are lower-cased with
  // Unicode's rules, which this ASCII lower-casing equals only on ASCII text.
  if (impl.filter_compiled && (impl.atom_set || impl.atoms_empty) && is_ascii(input)) {
    s.atoms.clear();
    bool atoms_known = true;
    if (impl.atom_set) {
      s.lower.assign(input);
      for (char& c : s.lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      RE2::Set::ErrorInfo error;
      if (!impl.atom_set->Match(s.lower, &s.atoms, &error)) {
        atoms_known = error.kind == RE2::Set::kNoError;
        s.atoms.clear();
      }
    }
    if (atoms_known) {
      impl.filter.AllPotentials(s.atoms, &s.potentials);
      s.ranks.clear();
      for (int rank : s.potentials) {
        if (impl.candidate(rank, input)) s.ranks.push_back(rank);
      }
      if (s.ranks.empty()) return false;
      std::sort(s.ranks.begin(), s.ranks.end());
      if (s.ranks.size() <= kRunDirectly * 2) return impl.run_in_order(s.ranks, input, hit);
      // 3. The sets, only those holding a potential winner.
      return impl.match_with_sets(input, &s.ranks, hit);
    }
  }

  // 3. The sets, all of them.
  return impl.match_with_sets(input, nullptr, hit);
}

std::size_t RegexStage::size() const { return impl_->usable_count; }
std::size_t RegexStage::set_count() const { return impl_->set_count; }

std::size_t RegexStage::memory_bytes() const {
  const Impl& impl = *impl_;
  std::size_t bytes =
      sizeof(Impl) + impl.re2_memory + impl.prefix_bytes.capacity() +
      impl.prefix_index.memory_bytes() +
      (impl.ids.capacity() + impl.prefix_offsets.capacity() + impl.prefix_sizes.capacity() +
       impl.group_key_offsets.capacity() + impl.group_key_sizes.capacity() +
       impl.group_starts.capacity() + impl.prefix_lengths.capacity()) *
          sizeof(std::uint32_t) +
      impl.group_ranks.capacity() * sizeof(int) + impl.group_counts.capacity() +
      impl.chunks.capacity() * sizeof(Impl::Chunk);
  // FilteredRE2 does not report its prefilter tree; estimate a node and a
  // pointer per rule.
  bytes += impl.ids.size() * (sizeof(RE2) + 128);
  return bytes;
}

}  // namespace flecto
