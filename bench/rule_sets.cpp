#include "bench/rule_sets.hpp"

#include <array>
#include <functional>
#include <stdexcept>

namespace flecto::bench {
namespace {

// splitmix64: small, fast, and the same sequence everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform enough for benchmark data; the modulo bias is negligible.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

constexpr std::array kWords = {
    "about",   "account", "archive", "article", "autumn",  "bike",    "blue",    "book",
    "camera",  "careers", "cart",    "city",    "classic", "coffee",  "company", "contact",
    "cycling", "deals",   "design",  "digital", "dinner",  "energy",  "events",  "family",
    "fashion", "garden",  "gift",    "guide",   "health",  "holiday", "home",    "house",
    "invest",  "jacket",  "kitchen", "lamp",    "laptop",  "light",   "market",  "media",
    "mobile",  "modern",  "mountain", "music",  "nature",  "news",    "office",  "outdoor",
    "partner", "phone",   "photo",   "press",   "privacy", "product", "recipe",  "review",
    "running", "sale",    "science", "season",  "service", "shoes",   "smart",   "sport",
    "spring",  "store",   "summer",  "support", "table",   "team",    "tech",    "travel",
    "update",  "video",   "walking", "watch",   "water",   "winter",  "women",   "world",
};
constexpr std::array kSections = {
    "/blog",    "/news",         "/products", "/shop/category", "/docs", "/help/articles",
    "/en/press", "/de/produkte", "/fr/actualites", "/events", "/jobs", "/support/kb",
    "/media/videos", "/stories", "/guides",
};
constexpr std::array kHosts = {
    "example.com",  "www.example.com", "shop.example.com", "blog.example.org",
    "m.example.net", "example.com:8080", "docs.example.io", "static.example.com",
};
constexpr std::array kStatuses = {"MOVED_PERMANENT", "FOUND", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT"};
constexpr std::string_view kQueryHost = "example.com";

std::string word(Rng& rng) { return kWords[rng.below(kWords.size())]; }
std::string number(Rng& rng) { return std::to_string(rng.below(100'000)); }
std::string status(Rng& rng) { return kStatuses[rng.below(kStatuses.size())]; }

std::string base36(std::size_t n) {
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36]);
    n /= 36;
  } while (n);
  return digits;
}

// A path of 20-60 bytes such as /blog/2019/summer-bike-guide-k3x9.html,
// unique per `index`: its last dash-separated token is base36(index), and
// the words never contain '.' or '?' that start the optional suffix.
std::string basic_path(Rng& rng, std::size_t index) {
  std::string path = kSections[rng.below(kSections.size())];
  if (rng.below(4) == 0) path += "/" + std::to_string(2010 + rng.below(16));
  std::string tail = "-" + base36(index);
  switch (rng.below(10)) {
    case 0: tail += ".html"; break;
    case 1: tail += "?ref=" + word(rng); break;
    default: break;
  }
  std::size_t length = 20 + rng.below(41);
  path += "/" + word(rng);
  for (std::string next = word(rng); path.size() + tail.size() < length && path.size() + 1 + next.size() + tail.size() <= 60;
       next = word(rng)) {
    path += "-" + next;
  }
  path += tail;
  return path;
}

// One regex rule of a given shape, and requests that match it or miss it
// while sharing its literal text.
struct Shape {
  std::string source, target;
  std::function<std::string(Rng&)> hit, near_miss;
};

Shape prefixed_shape(std::size_t i) {
  std::string s = std::to_string(i);
  switch (i % 8) {
    case 0:
      return {"^/section" + s + "/([a-z]+)/(\\d+)$", "/s/" + s + "/$1/$2",
              [s](Rng& r) { return "/section" + s + "/" + word(r) + "/" + number(r); },
              [s](Rng& r) { return "/section" + s + "/" + word(r) + "/" + word(r); }};
    case 1:
      return {"^/blog" + s + "/(\\d{4})/(\\d{2})/([a-z0-9-]+)/?$", "/articles/$3?y=$1&m=$2",
              [s](Rng& r) {
                return "/blog" + s + "/" + std::to_string(2010 + r.below(16)) + "/" + std::to_string(10 + r.below(3)) +
                       "/" + word(r) + "-" + word(r);
              },
              [s](Rng& r) { return "/blog" + s + "/" + word(r) + "/" + word(r); }};
    case 2:
      return {"^/shop/cat" + s + "/([a-z-]+)(?:/page-(\\d+))?$", "/c/" + s + "/$1?page=$2",
              [s](Rng& r) { return "/shop/cat" + s + "/" + word(r) + "-" + word(r) + "/page-" + number(r); },
              [s](Rng& r) { return "/shop/cat" + s + "/" + word(r) + "/page-" + word(r); }};
    case 3:
      return {"^/docs/v" + s + "/([a-z]+)\\.html$", "/docs/latest/$1",
              [s](Rng& r) { return "/docs/v" + s + "/" + word(r) + ".html"; },
              [s](Rng& r) { return "/docs/v" + s + "/" + word(r) + ".htm"; }};
    case 4:
      return {"^/u" + s + "/([^/]+)/files/(.+)\\.(pdf|docx?)$", "/files/$1/$2.$3",
              [s](Rng& r) { return "/u" + s + "/" + word(r) + "/files/" + word(r) + "-" + number(r) + ".pdf"; },
              [s](Rng& r) { return "/u" + s + "/" + word(r) + "/files/" + word(r) + ".png"; }};
    case 5:
      return {"^/api/r" + s + "/(\\d+)(?:\\?.*)?$", "/v2/r" + s + "/$1",
              [s](Rng& r) { return "/api/r" + s + "/" + number(r) + "?fields=all"; },
              [s](Rng& r) { return "/api/r" + s + "/" + word(r); }};
    case 6:
      return {"/legacy" + s + "/(?:index|home)\\.php", "/home-" + s,
              [s](Rng& r) { return "/legacy" + s + "/index.php?from=" + word(r); },
              [s](Rng& r) { return "/legacy" + s + "/" + word(r) + ".php"; }};
    default:
      return {"^/store" + s + "/(en|de|fr)/([a-z]+)-(\\d+)$", "/$1/store/" + s + "/$2/$3",
              [s](Rng& r) { return "/store" + s + "/de/" + word(r) + "-" + number(r); },
              [s](Rng& r) { return "/store" + s + "/it/" + word(r) + "-" + number(r); }};
  }
}

Shape unprefixed_shape(std::size_t i) {
  std::string s = std::to_string(i);
  switch (i % 7) {
    case 0:
      return {".*/item-" + s + "-([a-z0-9]+)\\.html$", "/items/" + s + "/$1",
              [s](Rng& r) { return "/shop/" + word(r) + "/item-" + s + "-" + word(r) + number(r) + ".html"; },
              [s](Rng& r) { return "/shop/" + word(r) + "/item-" + s + "-" + word(r) + ".htm"; }};
    case 1:
      return {"(?i)/product" + s + "/(\\d+)", "/p/" + s + "/$1",
              [s](Rng& r) { return "/" + word(r) + "/PRODUCT" + s + "/" + number(r); },
              [s](Rng& r) { return "/product" + s + "/" + word(r); }};
    case 2:
      return {"[a-z]+/x" + s + "/(\\w+)", "/x/" + s + "/$1",
              [s](Rng& r) { return "/" + word(r) + "/x" + s + "/" + word(r); },
              [s](Rng& r) { return "/x" + s + "/" + word(r); }};
    case 3:
      return {"(?:en|de|fr)/guide-" + s + "/(.*)$", "/guides/" + s + "/$1",
              [s](Rng& r) { return "/en/guide-" + s + "/" + word(r); },
              [s](Rng& r) { return "/it/guide-" + s + "/" + word(r); }};
    case 4:
      return {"\\d+/order" + s + "$", "/orders/" + s,
              [s](Rng& r) { return "/" + number(r) + "/order" + s; },
              [s](Rng& r) { return "/" + number(r) + "/order" + s + "/" + word(r); }};
    case 5:
      return {"(?i)^/campaign-" + s + "(?:/|$)", "/campaigns/" + s,
              [s](Rng& r) { return "/Campaign-" + s + "/" + word(r); },
              [s](Rng& r) { return "/campaign-" + s + "x/" + word(r); }};
    default:
      return {".+\\.(?:jpe?g|png)\\?v=" + s + "$", "/img/" + s,
              [s](Rng& r) { return "/media/" + word(r) + ".png?v=" + s; },
              [s](Rng& r) { return "/media/" + word(r) + ".gif?v=" + s; }};
  }
}

// Rules plus, for each rule, how to ask for it.
struct SetBuilder {
  Rng rng;
  GeneratedSet set;
  std::vector<MatchQuery> hits;         // one per basic rule, as listed
  std::vector<Shape> shapes;            // one per regex rule

  explicit SetBuilder(std::uint64_t seed) : rng(seed) {}

  void add_basic(std::size_t count, bool with_hosts) {
    set.rules.redirects.reserve(set.rules.redirects.size() + count);
    hits.reserve(hits.size() + count);
    for (std::size_t i = 0; i < count; ++i) {
      std::string path = basic_path(rng, i);
      std::string target = "https://example.com/new/" + base36(i);
      if (with_hosts && rng.below(10) == 0) {
        std::string host = kHosts[rng.below(kHosts.size())];
        set.rules.redirects.push_back({"BASIC_HOST", host + path, std::move(target), status(rng)});
        hits.push_back({std::move(host), std::move(path)});
      } else {
        set.rules.redirects.push_back({"BASIC", path, std::move(target), status(rng)});
        hits.push_back({std::string(kQueryHost), std::move(path)});
      }
    }
  }

  void add_regex(std::size_t count, Shape (*shape_of)(std::size_t)) {
    for (std::size_t i = 0; i < count; ++i) {
      Shape shape = shape_of(i);
      set.rules.redirects.push_back({"REGEX", shape.source, shape.target, status(rng)});
      shapes.push_back(std::move(shape));
    }
  }

  void add_pages() {
    set.rules.pages.push_back({"BASIC", "/robots.txt", "User-agent: *\nDisallow:\n", "TEXT_PLAIN"});
    set.rules.pages.push_back({"BASIC", "/sitemap.xml", "<urlset/>", "XML"});
  }

  // Hits go to a basic rule with probability basic_share/100, else to a
  // regex rule; near misses likewise.
  void add_queries(const GenerateOptions& options, unsigned basic_share) {
    set.queries.reserve(options.query_count);
    for (std::size_t k = 0; k < options.query_count; ++k) {
      bool hit = rng.below(100) < options.hit_percent;
      bool near = hit || rng.below(2) == 0;
      if (!near) {  // an unrelated path: its index lies beyond every rule's
        set.queries.push_back({std::string(kQueryHost), basic_path(rng, hits.size() + shapes.size() + k)});
        continue;
      }
      bool basic = shapes.empty() || (!hits.empty() && rng.below(100) < basic_share);
      if (basic) {
        MatchQuery query = hits[rng.below(hits.size())];
        if (!hit) query.uri += "/";  // the same path with a trailing slash
        set.queries.push_back(std::move(query));
      } else {
        const Shape& shape = shapes[rng.below(shapes.size())];
        set.queries.push_back({std::string(kQueryHost), hit ? shape.hit(rng) : shape.near_miss(rng)});
      }
    }
  }
};

}  // namespace

const std::vector<std::string>& set_names() {
  static const std::vector<std::string> names = {"basic-1m", "mixed", "regex-prefixed-10k", "regex-unprefixed-1k"};
  return names;
}

GeneratedSet generate_set(std::string_view name, const GenerateOptions& options) {
  SetBuilder builder(options.seed);
  if (name == "basic-1m") {
    builder.add_basic(1'000'000, true);
    builder.add_pages();
    builder.add_queries(options, 100);
  } else if (name == "mixed") {
    builder.add_basic(100'000, false);
    builder.add_regex(1'000, prefixed_shape);
    builder.add_pages();
    builder.add_queries(options, 80);
  } else if (name == "regex-prefixed-10k") {
    builder.add_regex(10'000, prefixed_shape);
    builder.add_queries(options, 0);
  } else if (name == "regex-unprefixed-1k") {
    builder.add_regex(1'000, unprefixed_shape);
    builder.add_queries(options, 0);
  } else {
    throw std::invalid_argument("unknown set \"" + std::string(name) + "\"");
  }
  builder.set.rules.version = 1;
  return std::move(builder.set);
}

}  // namespace flecto::bench
