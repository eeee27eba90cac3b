// TableBuilder: rules given one at a time as views into buffers that are
// reused at once give the table and skipped list of the whole lists.

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "matcher/mapped_array.hpp"
#include "matcher/table_builder.hpp"
#include "support/reference_matcher.hpp"

namespace flecto {
namespace {

// Each field is copied into one scratch buffer, handed over as a view, and
// overwritten right after: the builder must have copied what it keeps.
class ScratchFeeder {
 public:
  explicit ScratchFeeder(TableBuilder& builder) : builder_(builder) {}
  void redirect(const Redirect& r) {
    fill({r.type, r.source, r.target, r.status});
    builder_.add_redirect(view(0), view(1), view(2), view(3));
    scribble();
  }
  void page(const Page& p) {
    fill({p.type, p.path, p.content, p.content_type});
    builder_.add_page(view(0), view(1), view(2), view(3));
    scribble();
  }

 private:
  void fill(std::initializer_list<std::string_view> fields) {
    buffer_.clear();
    std::size_t i = 0;
    for (std::string_view f : fields) {
      start_[i] = buffer_.size();
      size_[i++] = f.size();
      buffer_ += f;
    }
  }
  std::string_view view(std::size_t i) const { return std::string_view(buffer_).substr(start_[i], size_[i]); }
  void scribble() { std::fill(buffer_.begin(), buffer_.end(), '#'); }

  TableBuilder& builder_;
  std::string buffer_;
  std::size_t start_[4] = {}, size_[4] = {};
};

Rules random_rules(std::mt19937& rng, std::size_t count) {
  auto pick = [&](std::initializer_list<const char*> words) {
    return std::string(*(words.begin() + std::uniform_int_distribution<std::size_t>(0, words.size() - 1)(rng)));
  };
  Rules rules;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string type = pick({"BASIC", "BASIC", "BASIC_HOST", "REGEX", "REGEX_HOST", "WILDCARD"});
    std::string source;
    if (type == "BASIC") source = pick({"/a", "/b", "/a/b", "/old", "", "/x?y=1"});
    else if (type == "BASIC_HOST") source = pick({"example.com/a", "example.com/b", "www.example.com/a"});
    else if (type == "REGEX") source = pick({"^/a/(.*)$", "/b([0-9]+)", "(", "^/old", "/(x|y)"});
    else source = pick({"example\\.com/(.*)", "[a-z.]+/b", "example.com/("});
    rules.redirects.push_back({type, source, pick({"/t/$1", "/fixed", ""}),
                               pick({"MOVED_PERMANENT", "FOUND", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT", "GONE"})});
    if (i % 5 == 0) {
      rules.pages.push_back({pick({"BASIC", "BASIC_HOST", "FANCY"}), pick({"/robots.txt", "example.com/a", "", "/a"}),
                             "content " + std::to_string(i), pick({"TEXT_PLAIN", "XML", "HTML"})});
    }
  }
  return rules;
}

}  // namespace

TEST_CASE("table builder: views from reused buffers give the reference answers and skipped list",
          "[matcher][builder]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 30; ++round) {
    const Rules rules = random_rules(rng, 5 + static_cast<std::size_t>(round) * 7);
    TableBuilder builder;
    ScratchFeeder feed(builder);
    for (const Redirect& r : rules.redirects) feed.redirect(r);
    for (const Page& p : rules.pages) feed.page(p);
    CHECK(builder.redirects_added() == rules.redirects.size());
    CHECK(builder.pages_added() == rules.pages.size());
    BuildResult built = std::move(builder).build(rules.version + round);
    CHECK(built.table->version() == rules.version + round);

    // Skipped: every invalid rule, in list order (redirects, then pages).
    std::vector<std::pair<SkippedRule::Kind, std::size_t>> want, got;
    for (std::size_t i = 0; i < rules.redirects.size(); ++i) {
      if (!test::ReferenceMatcher::valid(rules.redirects[i])) want.emplace_back(SkippedRule::Kind::kRedirect, i);
    }
    for (std::size_t i = 0; i < rules.pages.size(); ++i) {
      if (!test::ReferenceMatcher::valid(rules.pages[i])) want.emplace_back(SkippedRule::Kind::kPage, i);
    }
    for (const SkippedRule& s : built.skipped) got.emplace_back(s.kind, s.index);
    REQUIRE(got == want);
    for (const SkippedRule& s : built.skipped) {
      const std::string& name = s.kind == SkippedRule::Kind::kRedirect ? rules.redirects[s.index].source
                                                                        : rules.pages[s.index].path;
      CHECK(s.name == name);  // the rule's own text, not the scribbled buffer
    }
    CHECK(built.table->stats().skipped == want.size());

    // The same table as Table::build of the whole lists, and the reference's answers.
    const BuildResult whole = Table::build(rules);
    CHECK(whole.table->stats().memory_bytes == built.table->stats().memory_bytes);
    REQUIRE(whole.skipped.size() == built.skipped.size());
    for (std::size_t i = 0; i < whole.skipped.size(); ++i) {
      CHECK(whole.skipped[i].describe() == built.skipped[i].describe());
    }
    test::ReferenceMatcher reference(rules);
    for (const char* host : {"example.com", "www.example.com"}) {
      for (const char* uri : {"/a", "/b", "/a/b", "/old", "/old/x", "/b12", "/x", "/x?y=1", "/robots.txt", "/y"}) {
        INFO("round " << round << " " << host << uri);
        std::optional<RedirectMatch> match = built.table->match_redirect(host, uri);
        std::optional<test::ReferenceRedirect> expected = reference.match_redirect(host, uri);
        REQUIRE(match.has_value() == expected.has_value());
        if (match) {
          CHECK(std::string(match->rule.source) == expected->rule.source);
          CHECK(match->target == expected->target);
        }
        std::optional<PageView> page = built.table->match_page(host, uri);
        std::optional<Page> expected_page = reference.match_page(host, uri);
        REQUIRE(page.has_value() == expected_page.has_value());
        if (page) CHECK(std::string(page->content) == expected_page->content);
      }
    }
  }
}

TEST_CASE("table builder: nothing added is an empty table", "[matcher][builder]") {
  BuildResult built = TableBuilder().build(3);
  CHECK(built.table->version() == 3);
  CHECK(built.skipped.empty());
  CHECK(built.table->stats().redirects() == 0);
  CHECK_FALSE(built.table->match_redirect("example.com", "/a"));
  CHECK_FALSE(built.table->match_page("example.com", "/a"));
}

TEST_CASE("table builder: the text of many rules lands whole in the arena", "[matcher][builder]") {
  // Enough rules for the arena to grow well past its first pages.
  TableBuilder builder;
  std::string source, target;
  for (int i = 0; i < 50000; ++i) {
    source = "/path/" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x');
    target = "/to/" + std::to_string(i);
    builder.add_redirect("BASIC", source, target, "FOUND");
  }
  BuildResult built = std::move(builder).build(1);
  REQUIRE(built.table->stats().basic == 50000);
  for (int i = 0; i < 50000; i += 997) {
    auto match = built.table->match_redirect("h", "/path/" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x'));
    REQUIRE(match);
    CHECK(match->target == "/to/" + std::to_string(i));
    CHECK(match->code == 302);
  }
}

TEST_CASE("mapped buffer: appends past its first mapping keep every byte, finish trims", "[matcher][builder]") {
  MappedBuffer buffer(std::size_t{1} << 30);
  std::size_t total = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::size_t n = 1000 + static_cast<std::size_t>(i % 7) * 100;
    char* at = buffer.extend(n);
    std::fill(at, at + n, static_cast<char>('a' + i % 26));
    total += n;
  }
  CHECK(buffer.size() == total);
  CHECK_THROWS_AS(MappedBuffer(100).extend(101), std::bad_alloc);
  MappedArray<char> array = std::move(buffer).finish();
  REQUIRE(array.size() == total);
  CHECK(array.memory_bytes() >= total);
  CHECK(array.memory_bytes() < total + 65536);
  std::size_t offset = 0;
  bool intact = true;
  for (int i = 0; i < 3000; ++i) {
    const std::size_t n = 1000 + static_cast<std::size_t>(i % 7) * 100;
    for (std::size_t k = 0; k < n; ++k) intact = intact && array[offset + k] == static_cast<char>('a' + i % 26);
    offset += n;
  }
  CHECK(intact);
}

}  // namespace flecto
