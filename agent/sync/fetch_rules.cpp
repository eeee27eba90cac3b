#include "agent/sync/fetch_rules.hpp"

#include <string>
#include <utility>

namespace flecto {
namespace {

// Walks both listings into `sink`; false when a walk broke as inconsistent
// and the version moved meanwhile (`*after` is then the version read). A
// broken walk of an unchanged version rethrows its error.
bool list_both(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
               FetchSink& sink, std::int64_t* after) {
  try {
    api.walk_redirects(limits.redirects, sink, stop);
    api.walk_pages(limits.pages, sink, stop);
  } catch (const ManagerError& e) {
    if (e.kind() != ManagerError::Kind::kInvalidData) throw;
    *after = api.get_version(stop);
    if (*after == version) throw;
    return false;
  }
  *after = api.get_version(stop);
  return true;
}

// Keeps the items as a Rules, for fetch_rules().
class CollectingSink final : public FetchSink {
 public:
  void start(std::int64_t version) override {
    collector_.rules = Rules{};
    collector_.rules.version = version;
  }
  void add_redirect(std::string_view type, std::string_view source, std::string_view target,
                    std::string_view status) override {
    collector_.add_redirect(type, source, target, status);
  }
  void add_page(std::string_view type, std::string_view path, std::string_view content,
                std::string_view content_type) override {
    collector_.add_page(type, path, content, content_type);
  }
  Rules take() { return std::move(collector_.rules); }

 private:
  RulesCollector collector_;
};

}  // namespace

int fetch_rules_into(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
                     FetchSink& sink, int max_attempts) {
  std::string seen;  // the versions met, for the error message
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (stop.stop_requested()) throw ManagerError(ManagerError::Kind::kCancelled, "sync cancelled");
    // The caller's read is the first; after a move, each attempt reads anew.
    const std::int64_t reading = attempt == 1 ? version : api.get_version(stop);
    sink.start(reading);
    if (reading == 0) return attempt;
    std::int64_t after = 0;
    if (list_both(api, reading, limits, stop, sink, &after) && after == reading) return attempt;
    seen += (seen.empty() ? "" : ", ") + std::to_string(reading) + " -> " + std::to_string(after);
  }
  throw ManagerError(ManagerError::Kind::kInvalidData,
                     "the version moved during each of " + std::to_string(max_attempts) +
                         " fetches (" + seen + "); giving up for now");
}

FetchedRules fetch_rules(ManagerApi& api, std::int64_t version, const ListingLimits& limits, std::stop_token stop,
                         int max_attempts) {
  CollectingSink sink;
  FetchedRules fetched;
  fetched.attempts = fetch_rules_into(api, version, limits, stop, sink, max_attempts);
  fetched.rules = sink.take();
  return fetched;
}

}  // namespace flecto
