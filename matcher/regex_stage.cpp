#include "matcher/regex_stage.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "matcher/literal_prefix.hpp"

namespace flecto {

struct RegexStage::Impl {
  struct Compiled {
    std::uint32_t id;
    std::string prefix;
    std::unique_ptr<RE2> re;
    int group_count;  // capturing groups, at most 9 (only $1..$9 are used)
  };
  std::vector<Compiled> ranked;  // priority order
  std::size_t memory = 0;
};

RegexStage::RegexStage() : impl_(std::make_unique<Impl>()) {}
RegexStage::RegexStage(RegexStage&&) noexcept = default;
RegexStage& RegexStage::operator=(RegexStage&&) noexcept = default;
RegexStage::~RegexStage() = default;

RegexStage RegexStage::build(const std::vector<Rule>& rules, std::size_t /*memory_budget*/,
                             std::vector<Failure>* failures) {
  RegexStage stage;
  Impl& impl = *stage.impl_;
  std::vector<std::size_t> order(rules.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rules[a].source.size() > rules[b].source.size();
  });
  std::vector<Failure> failed;
  for (std::size_t pos : order) {
    const Rule& rule = rules[pos];
    RE2::Options options;
    options.set_log_errors(false);
    auto re =
        std::make_unique<RE2>(re2::StringPiece(rule.source.data(), rule.source.size()), options);
    if (!re->ok()) {
      failed.push_back({pos, "invalid regex: " + re->error()});
      continue;
    }
    std::optional<std::string> prefix = literal_prefix(rule.source);
    if (!prefix) {
      failed.push_back({pos, "literal prefix cannot be determined"});
      continue;
    }
    int groups = std::min(re->NumberOfCapturingGroups(), 9);
    impl.memory += sizeof(Impl::Compiled) + prefix->capacity() + sizeof(RE2) +
                   static_cast<std::size_t>(re->ProgramSize()) * 16;
    impl.ranked.push_back({rule.id, std::move(*prefix), std::move(re), groups});
  }
  impl.memory += impl.ranked.capacity() * sizeof(Impl::Compiled);
  std::sort(failed.begin(), failed.end(),
            [](const Failure& a, const Failure& b) { return a.position < b.position; });
  for (Failure& f : failed) failures->push_back(std::move(f));
  return stage;
}

bool RegexStage::match(std::string_view input, Hit* hit) const {
  re2::StringPiece text(input.data(), input.size());
  for (const Impl::Compiled& c : impl_->ranked) {
    if (input.substr(0, c.prefix.size()) != c.prefix) continue;
    if (c.re->Match(text, 0, text.size(), RE2::UNANCHORED, hit->groups, c.group_count + 1)) {
      hit->id = c.id;
      hit->group_count = c.group_count;
      return true;
    }
  }
  return false;
}

std::size_t RegexStage::size() const { return impl_->ranked.size(); }
std::size_t RegexStage::set_count() const { return 0; }
std::size_t RegexStage::memory_bytes() const { return impl_->memory; }

}  // namespace flecto
